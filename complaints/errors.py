"""Why a case action did not happen. Nothing was changed when one of these is raised."""


class CaseError(Exception):
    """A case action that did not happen; `message` tells the user why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionForbidden(CaseError):
    """The user may not take this action on this case (HTTP 403)."""


class ActionRefused(CaseError):
    """The action is not possible now: the state or a rule of the lifecycle forbids it."""


class NotApplicable(ActionRefused):
    """The action makes no sense for this case (pages hide it rather than explain it)."""


class CaseConflict(CaseError):
    """Someone changed the case after the user loaded it: the user lost a race."""
