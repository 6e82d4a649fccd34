"""The demo organisation: departments and one account per role (`manage.py demo`)."""

from core.models import Department
from core.roles import Role
from core.services import department_set_head, department_upsert, roles_sync, user_upsert

DEMO_PASSWORD = "minsheng-demo"

# code, name, kind
DEPARTMENTS = [
    ("LD", "领导班子", Department.Kind.LEADERSHIP),
    ("XZ", "行政部", Department.Kind.LEADERSHIP_OFFICE),
    ("KF", "客服部", Department.Kind.CUSTOMER_SERVICE),
    ("FW", "法务部", Department.Kind.LEGAL),
    ("JJ", "纪检监察室", Department.Kind.DISCIPLINE_INSPECTION),
    ("YY", "营业服务部", Department.Kind.BUSINESS),
    ("GC", "工程管理部", Department.Kind.BUSINESS),
    ("JL", "计量收费部", Department.Kind.BUSINESS),
    ("AQ", "安全生产部", Department.Kind.BUSINESS),
]

# username (= role), name, primary department code
ACCOUNTS = [
    (Role.CLERK, "李接待", "KF"),
    (Role.AGENT, "王话务", "KF"),
    (Role.DISPATCHER, "赵派单", "KF"),
    (Role.HANDLER, "陈承办", "YY"),
    (Role.HEAD, "刘部长", "YY"),
    (Role.OFFICE, "周主任", "XZ"),
    (Role.LEADER, "孙总经理", "LD"),
    (Role.LEGAL, "吴法务", "FW"),
    (Role.INSPECTOR, "郑纪检", "JJ"),
    (Role.TRAINER, "钱培训", "XZ"),
    (Role.EMERGENCY, "冯应急", "AQ"),
    (Role.ADMIN, "系统管理员", "XZ"),
]


def load(*, stdout) -> None:
    roles_sync()
    root = department_upsert(code="ORG", name="民声示范公司", kind=Department.Kind.LEADERSHIP, sort_order=0)
    departments = {
        code: department_upsert(code=code, name=name, kind=kind, parent=root, sort_order=position * 10)
        for position, (code, name, kind) in enumerate(DEPARTMENTS, start=1)
    }
    for role, name, code in ACCOUNTS:
        user = user_upsert(
            username=role.value,
            display_name=name,
            roles=[role.value],
            departments=[departments[code]],
            password=DEMO_PASSWORD,
            email=f"{role.value}@minsheng.example.cn",
        )
        if role == Role.HEAD:
            department_set_head(department=departments[code], head=user)
    stdout.write(f"Demo organisation: {len(DEPARTMENTS) + 1} departments, {len(ACCOUNTS)} accounts.")
