"""Demo stores and staff for Shanghai, Guangzhou and Shenzhen (the seed_demo command calls this).

Deterministic: the plan comes from a fixed table and `random.Random(2026)`, drawn in full before
anything is written, so two runs, or a run on a half-seeded database, produce the same data.
Idempotent: stores are looked up by code and staff by staff code; nothing is created twice.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from stores.models import WEEKDAYS, Region, Staff, Store
from stores.services import staff_create

DEMO_PASSWORD = "demo1234"
SEED = 2026

REGIONS = {
    "shanghai": ("上海", "021"),
    "guangzhou": ("广州", "020"),
    "shenzhen": ("深圳", "0755"),
}

# code, name, district, address, latitude, longitude (GCJ-02, as Amap shows them).
STORES = {
    "shanghai": [
        ("sh01", "上海静安嘉里中心店", "静安区", "南京西路1515号嘉里中心B1", 31.2245, 121.4482),
        ("sh02", "上海南京东路店", "黄浦区", "南京东路300号", 31.2381, 121.4812),
        ("sh03", "上海徐家汇港汇店", "徐汇区", "虹桥路1号港汇恒隆广场3楼", 31.1950, 121.4370),
        ("sh04", "上海陆家嘴正大广场店", "浦东新区", "陆家嘴西路168号2楼", 31.2368, 121.4993),
        ("sh05", "上海世纪大道店", "浦东新区", "世纪大道1192号", 31.2291, 121.5252),
        ("sh06", "上海长宁来福士店", "长宁区", "长宁路1193号B1", 31.2189, 121.4183),
        ("sh07", "上海五角场万达店", "杨浦区", "邯郸路600号2楼", 31.3012, 121.5131),
        ("sh08", "上海新天地店", "黄浦区", "马当路245号", 31.2192, 121.4743),
        ("sh09", "上海古北店", "长宁区", "红宝石路500号", 31.1993, 121.3991),
        ("sh10", "上海静安大悦城店", "静安区", "西藏北路166号4楼", 31.2472, 121.4701),
        ("sh11", "上海虹口龙之梦店", "虹口区", "西江湾路388号3楼", 31.2701, 121.4802),
        ("sh12", "上海七宝万科店", "闵行区", "漕宝路3366号", 31.1582, 121.3531),
    ],
    "guangzhou": [
        ("gz01", "广州天河城店", "天河区", "天河路208号天河城2楼", 23.1321, 113.3268),
        ("gz02", "广州珠江新城店", "天河区", "花城大道85号", 23.1192, 113.3241),
        ("gz03", "广州北京路店", "越秀区", "北京路238号", 23.1251, 113.2692),
        ("gz04", "广州江南西店", "海珠区", "江南西路48号", 23.0998, 113.2701),
        ("gz05", "广州太古汇店", "天河区", "天河路383号太古汇B1", 23.1349, 113.3331),
        ("gz06", "广州上下九店", "荔湾区", "上下九路88号", 23.1169, 113.2452),
        ("gz07", "广州番禺万达店", "番禺区", "福德路281号", 22.9452, 113.3829),
        ("gz08", "广州白云万达店", "白云区", "云城东路501号", 23.1751, 113.2689),
        ("gz09", "广州琶洲店", "海珠区", "新港东路1068号", 23.1002, 113.3648),
    ],
    "shenzhen": [
        ("sz01", "深圳福田购物公园店", "福田区", "福华三路268号", 22.5338, 114.0552),
        ("sz02", "深圳华强北店", "福田区", "华强北路1019号", 22.5449, 114.0851),
        ("sz03", "深圳南山海岸城店", "南山区", "文心五路33号", 22.5171, 113.9368),
        ("sz04", "深圳万象天地店", "南山区", "深南大道9668号", 22.5408, 113.9542),
        ("sz05", "深圳罗湖万象城店", "罗湖区", "宝安南路1881号", 22.5419, 114.1101),
        ("sz06", "深圳东门店", "罗湖区", "东门中路2088号", 22.5482, 114.1198),
        ("sz07", "深圳宝安壹方城店", "宝安区", "新湖路99号", 22.5561, 113.8832),
        ("sz08", "深圳龙华九方店", "龙华区", "人民路4022号", 22.6559, 114.0251),
        ("sz09", "深圳蛇口海上世界店", "南山区", "望海路1128号", 22.4839, 113.9139),
    ],
}

WAREHOUSE = ("hq-wh", "上海总部仓库", "嘉定区", "嘉定工业区兴文路1288号", 31.3502, 121.2497)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = ["芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
               "明", "超", "秀英", "婷", "雪", "晨", "佳怡", "子涵", "思远", "欣然"]  # fmt: skip


@dataclass
class StaffPlan:
    username: str
    staff_code: str
    display_name: str
    role: str
    phone: str
    hq_admin: bool = False


@dataclass
class StorePlan:
    region: str
    code: str
    name: str
    kind: str
    district: str
    address: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    opening_hours: dict
    delivers: bool
    delivery_radius_km: Decimal
    staff: list[StaffPlan] = field(default_factory=list)


def _hours(rng: random.Random) -> dict:
    """Mostly 10:00-22:00; some stores 09:30-21:30; some with a different weekend."""
    style = rng.random()
    if style < 0.6:
        hours = {day: ["10:00", "22:00"] for day in WEEKDAYS}
    else:
        hours = {day: ["09:30", "21:30"] for day in WEEKDAYS}
    weekend = rng.random()
    if weekend < 0.2:
        hours["sun"] = ["10:00", "20:00"]
    elif weekend < 0.35:
        hours["fri"] = hours["sat"] = ["10:00", "22:30"]
    return hours


def demo_plan() -> list[StorePlan]:
    """Everything seed_stores writes, decided up front; the same list on every call."""
    rng = random.Random(SEED)
    used_names: set[str] = set()

    def person() -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            if name not in used_names:
                used_names.add(name)
                return name

    def mobile() -> str:
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"

    def jitter(value: float) -> Decimal:
        # A few tens of metres, so demo pins do not sit on rounded grid points.
        return Decimal(f"{value + rng.uniform(-0.0004, 0.0004):.6f}")

    plans = []
    for region, rows in STORES.items():
        area_code = REGIONS[region][1]
        for code, name, district, address, lat, lng in rows:
            delivers = rng.random() < 0.8
            plan = StorePlan(
                region=region,
                code=code,
                name=name,
                kind=Store.Kind.FRANCHISE if rng.random() < 0.25 else Store.Kind.DIRECT,
                district=district,
                address=address,
                latitude=jitter(lat),
                longitude=jitter(lng),
                phone=f"{area_code}-{rng.choice('3568')}{rng.randrange(10**7):07d}",
                opening_hours=_hours(rng),
                delivers=delivers,
                delivery_radius_km=Decimal(rng.choice(["3.00", "3.50", "4.00", "5.00"]))
                if delivers
                else Decimal("0"),
            )
            upper = code.upper()
            plan.staff.append(
                StaffPlan(f"manager_{code}", f"{upper}-M", person(), Staff.Role.MANAGER, mobile())
            )
            for number in range(1, rng.choice([2, 3, 3]) + 1):
                plan.staff.append(
                    StaffPlan(
                        f"clerk_{code}_{number}",
                        f"{upper}-C{number}",
                        person(),
                        Staff.Role.CLERK,
                        mobile(),
                    )
                )
            plans.append(plan)

    code, name, district, address, lat, lng = WAREHOUSE
    warehouse = StorePlan(
        region="shanghai",
        code=code,
        name=name,
        kind=Store.Kind.WAREHOUSE,
        district=district,
        address=address,
        latitude=Decimal(f"{lat:.6f}"),
        longitude=Decimal(f"{lng:.6f}"),
        phone="021-69990000",
        opening_hours={day: ["08:30", "17:30"] for day in WEEKDAYS[:5]}
        | {"sat": None, "sun": None},
        delivers=False,
        delivery_radius_km=Decimal("0"),
    )
    warehouse.staff.append(
        StaffPlan("hq", "HQ-ADMIN", "总部管理员", Staff.Role.HQ, "13800000000", hq_admin=True)
    )
    plans.append(warehouse)
    return plans


@transaction.atomic
def seed_stores() -> dict:
    """Create the demo regions, stores and staff that are missing; return what was created."""
    summary = {"regions_created": 0, "stores_created": 0, "staff_created": 0}
    regions = {}
    for code, (name, _area_code) in REGIONS.items():
        regions[code], created = Region.objects.get_or_create(code=code, defaults={"name": name})
        summary["regions_created"] += created

    existing_staff = set(Staff.objects.values_list("staff_code", flat=True))
    # A login made by hand (say `createsuperuser hq`) is left alone rather than clashing.
    existing_users = set(get_user_model().objects.values_list("username", flat=True))
    password_hash = None  # hashed once, lazily: PBKDF2 per user would take a minute
    for plan in demo_plan():
        store, created = Store.objects.get_or_create(
            code=plan.code,
            defaults={
                "name": plan.name,
                "kind": plan.kind,
                "region": regions[plan.region],
                "city": REGIONS[plan.region][0],
                "district": plan.district,
                "address": plan.address,
                "latitude": plan.latitude,
                "longitude": plan.longitude,
                "phone": plan.phone,
                "manager_email": f"{plan.code}@stores.o2o.example",
                "opening_hours": plan.opening_hours,
                "delivers": plan.delivers,
                "delivery_radius_km": plan.delivery_radius_km,
            },
        )
        summary["stores_created"] += created
        for person in plan.staff:
            if person.staff_code in existing_staff or person.username in existing_users:
                continue
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            staff_create(
                store=store,
                username=person.username,
                display_name=person.display_name,
                role=person.role,
                staff_code=person.staff_code,
                phone=person.phone,
                password_hash=password_hash,
                hq_admin=person.hq_admin,
            )
            summary["staff_created"] += 1
    summary["stores_total"] = Store.objects.count()
    summary["staff_total"] = Staff.objects.count()
    return summary
