"""The transition table of DOMAIN.md §2 and the actions people take on a case.

The services in `complaints.services` enforce this table on the server; pages only display what
`available_actions()` says. An action is allowed when the case is in one of its states, the user holds
its permission, and (for department work) the user belongs to the case's lead department.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from complaints.models import State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.REGISTERED: frozenset({State.ANSWERED_DIRECTLY, State.DISPATCHED, State.REJECTED, State.MERGED}),
    State.REJECTED: frozenset({State.ARCHIVED}),
    State.ANSWERED_DIRECTLY: frozenset({State.REVISITED, State.CLOSED}),
    State.DISPATCHED: frozenset({State.SIGNED, State.RETURN_REQUESTED}),
    State.RETURN_REQUESTED: frozenset({State.DISPATCHED, State.SIGNED}),
    State.SIGNED: frozenset({State.IN_PROGRESS}),
    State.IN_PROGRESS: frozenset({State.EXTENSION_REQUESTED, State.REPLY_SUBMITTED, State.SUSPENDED}),
    State.EXTENSION_REQUESTED: frozenset({State.IN_PROGRESS}),
    State.SUSPENDED: frozenset({State.IN_PROGRESS, State.CLOSED}),
    State.REPLY_SUBMITTED: frozenset({State.REPLIED, State.IN_PROGRESS}),
    State.REPLIED: frozenset({State.REVISITED}),
    State.REVISITED: frozenset({State.CLOSED, State.REOPENED}),
    State.REOPENED: frozenset({State.IN_PROGRESS}),
    State.CLOSED: frozenset({State.ARCHIVED}),
    State.MERGED: frozenset(),
    State.ARCHIVED: frozenset(),
}


def is_allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


class Scope:
    """Whose case an action is."""

    ANY = "any"  # anyone holding the permission who can see the case
    LEAD = "lead"  # members of the case's current lead department
    PARTICIPANT = "participant"  # members of the lead or an active assisting department


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    permission: str
    states: frozenset[str]
    scope: str = Scope.ANY
    # True when the action needs input (a form page); False for a one-click button.
    has_form: bool = True
    style: str = "primary"
    # Shown to the user beside the button: what the action does.
    help_text: str = ""


def _action(code, label, permission, states, **options) -> Action:
    return Action(
        code=code, label=label, permission=f"complaints.{permission}", states=frozenset(states), **options
    )


ACTIONS: dict[str, Action] = {
    action.code: action
    for action in [
        _action(
            "answer_directly", _("Answer directly"), "register_case", [State.REGISTERED], style="success"
        ),
        _action("dispatch", _("Dispatch"), "dispatch_case", [State.REGISTERED]),
        _action("reject", _("Reject"), "dispatch_case", [State.REGISTERED], style="outline-danger"),
        _action(
            "merge",
            _("Merge into another case"),
            "dispatch_case",
            [State.REGISTERED],
            style="outline-secondary",
        ),
        _action(
            "sign",
            _("Sign for the case"),
            "handle_case",
            [State.DISPATCHED],
            scope=Scope.LEAD,
            has_form=False,
        ),
        _action(
            "request_return",
            _("Ask to return"),
            "handle_case",
            [State.DISPATCHED],
            scope=Scope.LEAD,
            style="outline-danger",
        ),
        _action("reassign", _("Reassign"), "arbitrate_return", [State.RETURN_REQUESTED]),
        _action(
            "refuse_return",
            _("Refuse the return"),
            "arbitrate_return",
            [State.RETURN_REQUESTED],
            style="outline-danger",
        ),
        _action(
            "start",
            _("Start handling"),
            "handle_case",
            [State.SIGNED, State.REOPENED],
            scope=Scope.LEAD,
            has_form=False,
        ),
        _action(
            "add_note",
            _("Add investigation note"),
            "handle_case",
            [State.IN_PROGRESS, State.SUSPENDED],
            scope=Scope.PARTICIPANT,
            style="outline-primary",
        ),
        _action(
            "add_attachment",
            _("Add attachment"),
            "handle_case",
            [State.SIGNED, State.IN_PROGRESS, State.SUSPENDED, State.EXTENSION_REQUESTED],
            scope=Scope.PARTICIPANT,
            style="outline-primary",
        ),
        _action(
            "submit_proposal",
            _("Submit handling proposal"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-primary",
        ),
        _action(
            "decide_proposal", _("Decide the handling proposal"), "approve_proposal", [State.IN_PROGRESS]
        ),
        _action(
            "add_rectification",
            _("Add rectification item"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-primary",
        ),
        _action(
            "complete_rectification",
            _("Report rectification done"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-primary",
        ),
        _action(
            "verify_rectification", _("Verify rectification"), "verify_rectification", [State.IN_PROGRESS]
        ),
        _action(
            "decide_adoption",
            _("Decide adoption"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-primary",
        ),
        _action(
            "request_extension",
            _("Request extension"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-secondary",
        ),
        _action("decide_extension", _("Decide extension"), "decide_extension", [State.EXTENSION_REQUESTED]),
        _action(
            "suspend",
            _("Suspend"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="outline-secondary",
        ),
        _action("resume", _("Resume"), "handle_case", [State.SUSPENDED], scope=Scope.LEAD, has_form=False),
        _action(
            "submit_reply",
            _("Submit reply"),
            "handle_case",
            [State.IN_PROGRESS],
            scope=Scope.LEAD,
            style="success",
        ),
        _action(
            "approve_reply", _("Approve reply"), "approve_reply", [State.REPLY_SUBMITTED], style="success"
        ),
        _action("legal_review", _("Legal review"), "review_legal", [State.REPLY_SUBMITTED], style="success"),
        _action("revisit", _("Record revisit"), "revisit_case", [State.REPLIED, State.ANSWERED_DIRECTLY]),
        _action("reopen", _("Reopen"), "revisit_case", [State.REVISITED], style="outline-danger"),
        _action("final_answer", _("Give final answer"), "give_final_answer", [State.REVISITED]),
        _action(
            "close",
            _("Close"),
            "revisit_case",
            [State.REVISITED, State.ANSWERED_DIRECTLY, State.SUSPENDED],
            style="success",
        ),
        _action(
            "archive",
            _("Archive"),
            "archive_case",
            [State.CLOSED, State.REJECTED],
            has_form=False,
            style="outline-secondary",
        ),
    ]
}
