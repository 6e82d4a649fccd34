"""Demo data of the hotline (`manage.py demo`): knowledge-base articles, calls with and without
cases, portal submissions and revisit tries. Runs after the cases' demo."""

import random
from datetime import timedelta

from complaints import demo_content
from complaints.models import Case, CaseKind, Category, State
from core import clock
from core.models import User
from hotline import services
from hotline.models import Call, KnowledgeArticle

# title, category code, answer, keywords
ARTICLES = [
    (
        "阶梯水价怎么计算？",
        "policy_water_price",
        "居民用水实行三级阶梯水价：年用水量180立方米以内为第一阶梯，181至260立方米为第二阶梯，"
        "超过260立方米为第三阶梯，各阶梯价格比例为1:1.5:3。户籍人口5人及以上的家庭可凭户口簿到营业厅申请增加阶梯基数。",
        "阶梯 水价 水费 价格 计费",
    ),
    (
        "水费可以通过哪些方式缴纳？",
        "billing_payment",
        "可通过微信公众号“江城水务”、支付宝生活缴费、各银行代扣、营业厅柜台及自助缴费机缴纳。"
        "银行代扣需携带身份证、银行卡和户号到营业厅或开户银行办理。",
        "缴费 交费 水费 支付 代扣 微信 支付宝",
    ),
    (
        "停水了怎么查询原因和恢复时间？",
        "policy_outage_notice",
        "计划停水会提前24小时在小区公告栏、“江城水务”公众号和官网发布通知。"
        "突发停水请提供详细地址，我们将核实是否为管网抢修，并告知预计恢复时间；抢修一般在8小时内完成。",
        "停水 没水 断水 恢复 抢修",
    ),
    (
        "新装水表需要什么材料？",
        "efficiency_new_connection",
        "个人新装需提供身份证、房产证或购房合同；单位需提供营业执照、法人身份证明和用水申请。"
        "材料齐全后3个工作日内上门勘查，勘查后5个工作日内完成安装。",
        "新装 开户 报装 水表 材料",
    ),
    (
        "水表过户怎么办理？",
        "efficiency_account_change",
        "买卖双方携带身份证、不动产权证书（或购房合同）和最近一期水费缴费凭证到任一营业厅办理，"
        "也可在“江城水务”公众号线上办理。过户前需结清欠费，当场办结。",
        "过户 更名 户名 变更",
    ),
    (
        "水压低怎么办？",
        "engineering_water_pressure",
        "请先检查家中总阀是否完全打开、过滤网是否堵塞。若整栋楼水压都低，可能是二次供水设备问题，"
        "我们将通知工程管理部在2个工作日内上门检测。",
        "水压 水小 压力 高层",
    ),
    (
        "自来水发黄浑浊能喝吗？",
        "safety_secondary_supply",
        "管网抢修或停水恢复后可能出现短时发黄，请放水3至5分钟至水清后再使用。"
        "若长时间浑浊，请勿饮用并告知地址，我们将安排水质检测，24小时内反馈结果。",
        "水质 发黄 浑浊 异味 能喝",
    ),
    (
        "困难群众可以减免水费吗？",
        "policy_relief",
        "享受城乡低保、特困供养的家庭，每户每月可减免5立方米水费。"
        "请携带低保证或特困证、身份证和户号到营业厅申请，次月起生效。",
        "减免 低保 困难 优惠",
    ),
    (
        "水表读数异常、水费突然变高怎么办？",
        "billing_meter_reading",
        "请先关闭家中所有用水设备，观察水表指针是否仍在转动以排查内漏。"
        "如确认无漏水，可申请水表校验：首次校验免费，计量收费部在3个工作日内上门，校验不合格的退还多收水费。",
        "水表 读数 水费高 异常 校验",
    ),
    (
        "报修漏水的处理时限是多少？",
        "efficiency_repair_response",
        "公共管网漏水接报后1小时内到场，一般在8小时内修复；户内表后管道漏水属产权人自行维修范围，"
        "可提供维修单位名单供参考。",
        "报修 漏水 维修 爆管 时限",
    ),
    (
        "营业厅的办公时间？",
        "attitude_counter",
        "各营业厅周一至周五9:00至17:00办公，周六上午9:00至12:00办理缴费业务，法定节假日休息。"
        "公众号和热线12345提供全天候服务。",
        "营业厅 上班 时间 地址",
    ),
    (
        "如何举报工作人员违规收费？",
        "conduct_bribery",
        "可拨打行风热线、登录网络平台或到纪检监察室当面举报，可实名也可匿名。"
        "我们对举报人信息严格保密，查实后依规严肃处理并反馈结果。",
        "举报 违规 收费 红包 好处费 纪检",
    ),
]


def load(*, stdout) -> None:
    if Call.objects.exists():
        stdout.write("Demo hotline: already there, left as it is.")
        return
    categories = {category.code: category for category in Category.objects.all()}
    office = User.objects.get(username="office")
    for title, code, answer, keywords in ARTICLES:
        services.article_save(
            article=KnowledgeArticle(
                title=title, answer=answer, keywords=keywords, category=categories.get(code)
            ),
            actor=office,
        )
    rng = random.Random(4)
    agent = User.objects.get(username="agent")
    now = clock.now()
    articles = list(KnowledgeArticle.objects.all())
    consultations = [
        leaf
        for leaf in demo_content.leaf_categories()
        if any(
            template["kind"] == CaseKind.CONSULTATION
            for template in demo_content.CASE_TEMPLATES[leaf["code"]]
        )
    ]
    for offset in range(12):
        moment = now - timedelta(hours=3 + offset * 5)
        person = demo_content.citizen(rng)
        leaf = rng.choice(consultations)
        template = next(
            template
            for template in demo_content.CASE_TEMPLATES[leaf["code"]]
            if template["kind"] == CaseKind.CONSULTATION
        )
        article = rng.choice(articles)
        with clock.travel_to(moment):
            services.console_intake(
                agent=agent,
                number=person["phone"],
                call_started_at=moment - timedelta(minutes=4),
                outcome=services.Outcome.ANSWER,
                answer=article.answer,
                article=article,
                case_fields={
                    "kind": CaseKind.CONSULTATION,
                    "category": categories[leaf["code"]],
                    "description": template["description"],
                    "request": template["request"],
                    "citizen_name": person["name"],
                    "citizen_phone": person["phone"],
                    "citizen_address": person["address"],
                },
            )
    for offset, outcome in enumerate(
        [
            Call.Outcome.HANG_UP,
            Call.Outcome.WRONG_NUMBER,
            Call.Outcome.SILENT,
            Call.Outcome.HARASSMENT,
            Call.Outcome.HANG_UP,
        ]
    ):
        moment = now - timedelta(hours=2 + offset * 7)
        with clock.travel_to(moment):
            services.call_log(
                agent=agent,
                number=demo_content.citizen(rng)["phone"],
                started_at=moment - timedelta(minutes=1),
                outcome=outcome,
            )
    for case in Case.objects.filter(state=State.REPLIED).order_by("id")[:3]:
        services.revisit_record(
            case_id=case.pk,
            agent=agent,
            is_reached=False,
            next_try_at=now + timedelta(hours=rng.randint(2, 20)),
            note="无人接听。",
        )
    for leaf in rng.sample(demo_content.leaf_categories(), 4):
        template = demo_content.CASE_TEMPLATES[leaf["code"]][0]
        person = demo_content.citizen(rng)
        services.portal_submit(
            address=f"198.51.100.{rng.randint(1, 254)}",
            case_fields={
                "kind": template["kind"],
                "category": categories[leaf["code"]],
                "description": template["description"],
                "request": template["request"],
                "citizen_name": person["name"],
                "citizen_phone": person["phone"],
                "is_anonymous": False,
            },
        )
    stdout.write(f"Demo hotline: {len(ARTICLES)} articles, 17 calls, 3 revisit tries, 4 portal submissions.")
