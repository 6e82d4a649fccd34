"""The case number in a URL: YYYYMMDD and a five-digit daily sequence (complaints.services.lifecycle).
Anything else is not a case page, so it is a 404 before any query runs (a NUL or a 10,000-character
"number" never reaches the database)."""


class CaseNumberConverter:
    regex = "[0-9]{13}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
