"""Demo data of reception (`manage.py demo`): a second room, leaders' reception days, and today's visits
in every state: finished with each of the three outcomes, left, being received (a group visit), waiting
(a repeat visitor among them), booked for today's leader and arrived for them. Runs after the cases'
demo; every visit goes through the services on the domain clock."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from complaints import demo_content
from complaints.models import CaseKind, Category
from core import clock
from core.models import Department, User
from core.personal_data import lookup_hash
from reception import services
from reception.models import ReceptionRoom, Visit


def load(*, stdout) -> None:
    if Visit.objects.exists():
        stdout.write("Demo reception: already there, left as it is.")
        return
    rooms = [
        ReceptionRoom.objects.order_by("sort_order", "pk").first()
        or ReceptionRoom.objects.create(name="公民接待室", sort_order=10),
        ReceptionRoom.objects.get_or_create(
            name="第二接待室", defaults={"sort_order": 20, "location": "一楼东侧"}
        )[0],
    ]
    clerk = User.objects.get(username="clerk")
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    categories = {
        category.code: category for category in Category.objects.select_related("default_department")
    }
    departments = {department.code: department for department in Department.objects.all()}
    rng = random.Random(5)
    now = clock.now()
    today = timezone.localdate(now)
    # Today's visits happen between the later of 08:30 and four hours ago, and a few minutes ago.
    start = max(timezone.make_aware(datetime.combine(today, time(8, 30))), now - timedelta(hours=4))
    if start >= now - timedelta(minutes=10):
        start = max(timezone.make_aware(datetime.combine(today, time(0, 1))), now - timedelta(minutes=30))
    step = (now - timedelta(minutes=2) - start) / 12

    def moment(index: int) -> datetime:
        return start + step * index

    with clock.travel_to(now - timedelta(days=3)):
        today_day = services.leader_day_create(
            actor=office,
            leader=leader,
            date=today,
            starts_at=time(9, 0),
            ends_at=time(17, 0),
            room=rooms[0],
            topic="水费与计量争议",
            capacity=6,
        )
        services.leader_day_create(
            actor=office,
            leader=leader,
            date=today + timedelta(days=7),
            starts_at=time(14, 30),
            ends_at=time(17, 30),
            room=rooms[0],
            topic="供水服务质量",
            capacity=8,
        )
        booked_person = demo_content.citizen(rng)
        arrived_person = demo_content.citizen(rng)
        for person, reason in [
            (booked_person, "水费阶梯计价有异议，约见领导"),
            (arrived_person, "水表更换后读数异常，要求当面说明"),
        ]:
            services.visit_book(
                clerk=clerk,
                leader_day=today_day,
                visitor_name=person["name"],
                id_number=person["id_number"],
                phone=person["phone"],
                address=person["address"],
                reason=reason,
                category=categories.get("billing_meter_reading"),
            )

    # A returning visitor: came twelve days ago (referred to the engineering department), back today.
    returning = demo_content.citizen(rng)
    with clock.travel_to(now - timedelta(days=12, hours=2)):
        earlier = _register(
            clerk,
            rooms[0],
            returning,
            "小区水压低，高层用水困难",
            categories.get("engineering_water_pressure"),
        )
        services.visit_call_in(visit_id=earlier.pk, actor=clerk)
        services.visit_finish(
            visit_id=earlier.pk,
            actor=clerk,
            outcome=Visit.Outcome.REFERRED,
            kind=CaseKind.HELP,
            statement="来访人反映所住小区18楼以上早晚高峰水压不足，已持续两周，要求尽快检修二次供水设备。",
            request="尽快恢复正常水压",
            lead_department=departments["GC"],
        )

    finished = [
        (
            Visit.Outcome.ANSWERED,
            CaseKind.CONSULTATION,
            "efficiency_account_change",
            "咨询水表过户手续",
            "来访人咨询房屋买卖后水表过户需要的材料和办理地点。",
            None,
            "已告知：买卖双方携带身份证、不动产权证书和最近一期缴费凭证到任一营业厅办理，当场办结。",
        ),
        (
            Visit.Outcome.REFERRED,
            CaseKind.HELP,
            "efficiency_repair_response",
            "楼道水管漏水无人维修",
            "来访人反映单元楼道公共水管接口漏水三天，墙面渗水，物业称不归其管。",
            "GC",
            "",
        ),
        (
            Visit.Outcome.COMPLAINT,
            CaseKind.COMPLAINT,
            "attitude_counter",
            "投诉营业厅工作人员态度",
            "来访人称11月20日上午在城东营业厅办理缴费时，窗口工作人员态度生硬、拒绝解释账单明细。",
            "YY",
            "",
        ),
    ]
    index = 0
    for outcome, kind, code, reason, statement, department_code, answer in finished:
        person = demo_content.citizen(rng)
        with clock.travel_to(moment(index)):
            visit = _register(clerk, rooms[index % 2], person, reason, categories.get(code))
        with clock.travel_to(moment(index) + step / 3):
            services.visit_call_in(visit_id=visit.pk, actor=clerk)
        with clock.travel_to(moment(index + 1)):
            services.visit_finish(
                visit_id=visit.pk,
                actor=clerk,
                outcome=outcome,
                kind=kind,
                statement=statement,
                answer=answer,
                lead_department=departments.get(department_code),
            )
        index += 1

    left_person = demo_content.citizen(rng)
    with clock.travel_to(moment(index)):
        left = _register(clerk, rooms[1], left_person, "咨询低保减免水费", categories.get("policy_relief"))
    with clock.travel_to(moment(index + 1)):
        services.visit_leave(visit_id=left.pk, actor=clerk)
    index += 2

    group_person = demo_content.citizen(rng)
    with clock.travel_to(moment(index)):
        group = _register(
            clerk,
            rooms[1],
            group_person,
            "小区多户反映自来水发黄",
            categories.get("safety_secondary_supply"),
            group_size=8,
        )
    with clock.travel_to(moment(index + 1)):
        services.visit_call_in(visit_id=group.pk, actor=office)
        services.visit_record_statement(
            visit_id=group.pk,
            actor=office,
            statement="8位居民代表反映：11月以来小区自来水多次发黄，有异味，要求检测水质并公布结果。",
        )
    index += 2

    with clock.travel_to(moment(index)):
        services.visit_arrive(
            visit_id=Visit.objects.get(phone_lookup=lookup_hash("phone", arrived_person["phone"])).pk,
            actor=clerk,
        )
    with clock.travel_to(moment(index + 1)):
        _register(
            clerk,
            rooms[0],
            returning,
            "水压问题仍未解决，再次来访",
            categories.get("engineering_water_pressure"),
        )
    with clock.travel_to(moment(index + 2)):
        _register(
            clerk,
            rooms[0],
            demo_content.citizen(rng),
            "咨询新装水表的材料",
            categories.get("efficiency_new_connection"),
        )
    stdout.write(f"Demo reception: {Visit.objects.count()} visits, 2 leader reception days.")


def _register(clerk, room, person, reason, category, *, group_size=1) -> Visit:
    return services.visit_register(
        clerk=clerk,
        room=room,
        visitor_name=person["name"],
        id_number=person["id_number"],
        phone=person["phone"],
        address=person["address"],
        group_size=group_size,
        reason=reason,
        category=category,
    )
