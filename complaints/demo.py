"""Demo data for cases (`manage.py demo`), and `walk()`, which brings a case to any state through the
services so that its timeline is true. Tests use `walk()` too."""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from complaints import demo_content, retention, services
from complaints.escalation import escalation_sweep
from complaints.models import Case, CaseKind, Category, Channel, Priority, State, Supervision, Verdict
from core import clock
from core.demo import DEMO_PASSWORD
from core.models import AuditEntry, Department, User
from core.roles import Role
from core.services import audit_record, user_upsert


@dataclass
class Cast:
    """The people who move a case along."""

    agent: User
    dispatcher: User
    handler: User
    head: User
    leader: User
    office: User
    legal: User


# The path of actions that leads to each state, after registration.
_PATHS: dict[str, list[str]] = {
    State.REGISTERED: [],
    State.ANSWERED_DIRECTLY: ["answer_directly"],
    State.REJECTED: ["reject"],
    State.DISPATCHED: ["dispatch"],
    State.RETURN_REQUESTED: ["dispatch", "request_return"],
    State.SIGNED: ["dispatch", "sign"],
    State.IN_PROGRESS: ["dispatch", "sign", "start"],
    State.EXTENSION_REQUESTED: ["dispatch", "sign", "start", "request_extension"],
    State.SUSPENDED: ["dispatch", "sign", "start", "suspend"],
    State.REPLY_SUBMITTED: ["dispatch", "sign", "start", "prepare_reply", "submit_reply"],
    State.REPLIED: ["dispatch", "sign", "start", "prepare_reply", "submit_reply", "approve_reply"],
    State.REVISITED: [
        "dispatch",
        "sign",
        "start",
        "prepare_reply",
        "submit_reply",
        "approve_reply",
        "revisit",
    ],
    State.REOPENED: [
        "dispatch",
        "sign",
        "start",
        "prepare_reply",
        "submit_reply",
        "approve_reply",
        "revisit_unsatisfied",
        "reopen",
    ],
    State.CLOSED: [
        "dispatch",
        "sign",
        "start",
        "prepare_reply",
        "submit_reply",
        "approve_reply",
        "revisit",
        "close",
    ],
    State.ARCHIVED: [
        "dispatch",
        "sign",
        "start",
        "prepare_reply",
        "submit_reply",
        "approve_reply",
        "revisit",
        "close",
        "archive",
    ],
}

WALKABLE_STATES = tuple(_PATHS)


def walk(
    case: Case,
    to_state: str,
    cast: Cast,
    *,
    department: Department,
    reply: str = "",
    step: timedelta | None = None,
) -> Case:
    """Take `case` (just registered) to `to_state` by the services. With `step`, each action happens
    that much later than the one before, on the domain clock, starting from the registration time."""
    moment = case.created_at
    for step_name in _PATHS[to_state]:
        if step is not None:
            moment = moment + step
            with clock.travel_to(moment):
                _do(step_name, Case.objects.get(pk=case.pk), cast, department=department, reply=reply)
        else:
            _do(step_name, Case.objects.get(pk=case.pk), cast, department=department, reply=reply)
    return Case.objects.get(pk=case.pk)


def _do(step_name: str, case: Case, cast: Cast, *, department: Department, reply: str) -> None:
    pk = case.pk
    reply = reply or "经核实，已按规定处理，特此答复。"
    steps = {
        "answer_directly": lambda: services.case_answer_directly(
            case_id=pk, actor=cast.agent, answer=reply, reply_channel="phone"
        ),
        "reject": lambda: services.case_reject(
            case_id=pk,
            actor=cast.dispatcher,
            reason="不属于本单位受理范围。",
            proper_channel="请向区市场监管局反映",
        ),
        "dispatch": lambda: services.case_dispatch(
            case_id=pk, actor=cast.dispatcher, lead_department=department
        ),
        "request_return": lambda: services.case_request_return(
            case_id=pk, actor=cast.handler, reason="该事项属于其他部门职责。"
        ),
        "sign": lambda: services.case_sign(case_id=pk, actor=cast.handler),
        "start": lambda: services.case_start(case_id=pk, actor=cast.handler),
        "request_extension": lambda: services.case_request_extension(
            case_id=pk, actor=cast.handler, amount=3, reason="需要现场复核，等待检测结果。"
        ),
        "suspend": lambda: services.case_suspend(
            case_id=pk, actor=cast.handler, reason="等待诉求人补充材料。"
        ),
        "prepare_reply": lambda: prepare_reply(case, cast),
        "submit_reply": lambda: services.case_submit_reply(
            case_id=pk, actor=cast.handler, reply=reply, reply_channel="phone"
        ),
        "approve_reply": lambda: services.case_approve_reply(case_id=pk, actor=cast.head, approve=True),
        "revisit": lambda: services.case_revisit(
            case_id=pk, actor=cast.agent, verdict=Verdict.SATISFIED, is_resolved=True, note="诉求人表示满意。"
        ),
        "revisit_unsatisfied": lambda: services.case_revisit(
            case_id=pk,
            actor=cast.agent,
            verdict=Verdict.UNSATISFIED,
            is_resolved=False,
            note="诉求人认为未解决。",
        ),
        "reopen": lambda: services.case_reopen(case_id=pk, actor=cast.agent, note="诉求人不满意，重新办理。"),
        "close": lambda: services.case_close(case_id=pk, actor=cast.agent),
        "archive": lambda: services.case_archive(case_id=pk, actor=cast.office),
    }
    steps[step_name]()


def prepare_reply(case: Case, cast: Cast) -> None:
    """What must be done before a reply can be submitted: for complaints and reports a handling
    proposal approved by a leader and a verified rectification item; for suggestions the adoption."""
    pk = case.pk
    if case.kind in (CaseKind.COMPLAINT, CaseKind.REPORT):
        services.case_submit_proposal(
            case_id=pk,
            actor=cast.handler,
            finding="经调查，反映情况基本属实。",
            responsibility="当班工作人员",
            measures="对相关人员批评教育并加强培训。",
        )
        services.case_decide_proposal(case_id=pk, actor=cast.leader, approve=True, comments="同意。")
        item = services.case_add_rectification(
            case_id=pk,
            actor=cast.handler,
            description="组织服务规范专项培训",
            owner=cast.handler,
            due_date=clock.now().date() + timedelta(days=7),
        )
        services.case_complete_rectification(
            case_id=pk, actor=cast.handler, item_id=item.pk, evidence="培训签到表已上传。"
        )
        services.case_verify_rectification(case_id=pk, actor=cast.office, item_id=item.pk, accept=True)
    elif case.kind == CaseKind.SUGGESTION:
        services.case_decide_adoption(
            case_id=pk, actor=cast.handler, adoption="partly_adopted", note="部分采纳。"
        )


# How many demo cases end in each state (about 200 in all).
STATE_MIX = {
    State.REGISTERED: 10,
    State.ANSWERED_DIRECTLY: 12,
    State.REJECTED: 4,
    State.DISPATCHED: 20,
    State.RETURN_REQUESTED: 4,
    State.SIGNED: 8,
    State.IN_PROGRESS: 40,
    State.EXTENSION_REQUESTED: 5,
    State.SUSPENDED: 5,
    State.REPLY_SUBMITTED: 12,
    State.REPLIED: 15,
    State.REVISITED: 8,
    State.REOPENED: 5,
    State.CLOSED: 44,
    State.ARCHIVED: 6,
}
# Departments other than 营业服务部 (where the `handler` and `head` accounts work) get their own staff.
DEPARTMENT_STAFF = {"GC": ("工程", "郭"), "JL": ("计量", "许"), "AQ": ("安全", "何"), "KF": ("客服", "马")}


def load(*, stdout) -> None:
    categories = _load_categories()
    if Case.objects.exists():
        stdout.write("Demo cases: already there, left as they are.")
        return
    casts = _casts()
    rng = random.Random(2026)
    leaves = demo_content.leaf_categories()
    now = clock.now()
    created = 0
    for state, count in STATE_MIX.items():
        for _number in range(count):
            leaf = rng.choice(leaves)
            _register_and_walk(rng, state, leaf, categories[leaf["code"]], casts, now=now)
            created += 1
    _load_merged_pair(rng, leaves, categories, casts, now=now)
    stdout.write(f"Demo cases: {created + 2} cases with their timelines.")
    _load_escalation(now=now, stdout=stdout)
    _load_retention(now=now, stdout=stdout)


def _load_retention(*, now, stdout) -> None:
    """The nightly retention job as beat would have run it (it archives the cases closed more than a
    month ago; none is old enough to be erased), a legal hold of the office, and the audit entries of a
    reveal and an export, so that the retention page and the audit log are not empty."""
    office = User.objects.get(username="office")
    held = Case.objects.filter(kind=CaseKind.COMPLAINT, state=State.CLOSED).order_by("created_at").first()
    if held is not None:
        retention.legal_hold_set(
            case_id=held.pk,
            actor=office,
            reason="业主已就此事向区人民法院起诉，法院调取了全部办理材料，诉讼结束前保留。",
        )
    run = retention.retention_run(now=now)
    revealed = (
        Case.objects.filter(kind=CaseKind.COMPLAINT, is_confidential=False).exclude(citizen_phone="").first()
    )
    if revealed is not None:
        audit_record(
            actor=office,
            action=AuditEntry.Action.REVEAL,
            target=revealed,
            label=revealed.number,
            reason="回访前核实诉求人联系电话",
            detail={"fields": ["name", "phone", "id_number", "address"]},
            client_address="127.0.0.1",
        )
    audit_record(
        actor=office,
        action=AuditEntry.Action.EXPORT,
        target="case_ledger",
        label=f"ledger-{timezone.localtime(now):%Y%m%d}-0900.xlsx",
        detail={
            "query": "kind=complaint",
            "format": "xlsx",
            "rows": Case.objects.filter(kind=CaseKind.COMPLAINT).count(),
            "revealed": False,
        },
        client_address="127.0.0.1",
    )
    stdout.write(f"Demo retention: {run.archived} cases archived, one held by the office.")


def _load_escalation(*, now, stdout) -> None:
    """The deadline sweep over the demo's cases as beat would have run it: warnings, urging, supervision
    of the overdue ones; one supervision notice answered by its department's head."""
    result = escalation_sweep(now=now)
    head = User.objects.get(username="head")
    waiting = Supervision.objects.filter(
        kind=Supervision.Kind.SUPERVISION,
        answered_at__isnull=True,
        department__in=head.memberships.values("department"),
    ).first()
    if waiting is not None:
        services.supervision_answer(
            supervision_id=waiting.pk,
            actor=head,
            reason="该片区管网改造需停水施工，已与街道协调，施工完成后即可办结。",
            new_completion_date=timezone.localdate(now) + timedelta(days=5),
        )
    stdout.write(f"Demo deadlines: {result.notices} notices, {result.supervisions} supervision notices.")


def _load_categories() -> dict[str, Category]:
    departments = {department.code: department for department in Department.objects.all()}
    by_code = {}
    for position, node in enumerate(demo_content.CATEGORY_TREE):
        parent, _created = Category.objects.update_or_create(
            code=node["code"], defaults={"name": node["name"], "parent": None, "sort_order": position * 10}
        )
        for child_position, leaf in enumerate(node["children"]):
            by_code[leaf["code"]], _created = Category.objects.update_or_create(
                code=leaf["code"],
                defaults={
                    "name": leaf["name"],
                    "parent": parent,
                    "default_department": departments.get(leaf["department"]),
                    "sort_order": child_position * 10,
                },
            )
    return by_code


def _casts() -> dict[str, Cast]:
    """One cast per department: the shared desk, office and leaders, the department's own staff."""
    users = {user.username: user for user in User.objects.filter(username__in=Role.values)}
    casts = {
        "YY": Cast(
            users["agent"],
            users["dispatcher"],
            users["handler"],
            users["head"],
            users["leader"],
            users["office"],
            users["legal"],
        ),
    }
    for code, (word, surname) in DEPARTMENT_STAFF.items():
        department = Department.objects.get(code=code)
        handler = user_upsert(
            username=f"{code.lower()}_handler",
            display_name=f"{surname}{word}承办",
            roles=[Role.HANDLER],
            departments=[department],
            password=DEMO_PASSWORD,
        )
        head = user_upsert(
            username=f"{code.lower()}_head",
            display_name=f"{surname}{word}部长",
            roles=[Role.HEAD],
            departments=[department],
            password=DEMO_PASSWORD,
        )
        department.head = head
        department.save(update_fields=["head"])
        casts[code] = Cast(
            users["agent"],
            users["dispatcher"],
            handler,
            head,
            users["leader"],
            users["office"],
            users["legal"],
        )
    return casts


def _moment(rng: random.Random, now: datetime, *, days_back: int) -> datetime:
    day = timezone.localdate(now) - timedelta(days=rng.randint(1, days_back))
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _register(rng, template, category, cast, *, moment, channel=None) -> Case:
    person = demo_content.citizen(rng)
    kind = template["kind"]
    anonymous = kind == CaseKind.REPORT and rng.random() < 0.4
    with clock.travel_to(moment):
        return services.case_register(
            actor=cast.agent,
            kind=kind,
            channel=channel
            or rng.choice([Channel.PHONE, Channel.PHONE, Channel.VISIT, Channel.WEB, Channel.WECHAT]),
            category=category,
            priority=rng.choices([Priority.ORDINARY, Priority.URGENT], weights=[12, 1])[0],
            description=template["description"],
            request=template["request"],
            location=template["location"],
            citizen_name=person["name"],
            citizen_phone=person["phone"],
            citizen_id_number=person["id_number"] if rng.random() < 0.6 else "",
            citizen_address=person["address"],
            is_anonymous=anonymous,
            is_confidential=kind == CaseKind.REPORT or rng.random() < 0.05,
            is_misconduct=kind == CaseKind.REPORT,
            group_size=rng.choices([1, rng.randint(3, 30)], weights=[20, 1])[0],
        )


def _register_and_walk(rng, state, leaf, category, casts, *, now) -> Case:
    template = rng.choice(demo_content.CASE_TEMPLATES[leaf["code"]])
    cast = casts[leaf["department"]]
    # Finished cases spread over two months; open ones over the last two weeks, so that some, not
    # most, are overdue.
    days_back = 60 if state in (State.CLOSED, State.ARCHIVED, State.REJECTED, State.ANSWERED_DIRECTLY) else 14
    case = _register(rng, template, category, cast, moment=_moment(rng, now, days_back=days_back))
    # Small steps keep every action before its deadline; the case then waits, and those that still
    # wait past their deadline today are the overdue ones.
    step = timedelta(hours=rng.randint(1, 3))
    return walk(case, state, cast, department=category.default_department, reply=template["reply"], step=step)


def _load_merged_pair(rng, leaves, categories, casts, *, now) -> None:
    leaf = leaves[0]
    template = demo_content.CASE_TEMPLATES[leaf["code"]][0]
    cast = casts[leaf["department"]]
    moment = _moment(rng, now, days_back=5)
    survivor = _register(rng, template, categories[leaf["code"]], cast, moment=moment)
    duplicate = _register(
        rng, template, categories[leaf["code"]], cast, moment=moment + timedelta(minutes=20)
    )
    with clock.travel_to(moment + timedelta(hours=1)):
        services.case_merge(
            case_id=duplicate.pk,
            actor=cast.dispatcher,
            into_number=survivor.number,
            note="同一诉求人重复来电。",
        )
