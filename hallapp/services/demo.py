"""The demo hall: enough of a real branch to try every screen."""

from datetime import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Counter, CounterService, Hall, Service, Staff, StaffRole
from hallapp.services import enterprise
from hallapp.services.accounts import hash_password
from hallapp.services.errors import HallError

DEMO_HALL = "demo"

SERVICES = [
    # code, Chinese, English, room
    ("A", "普通护照", "Passport", "main"),
    ("B", "往来港澳通行证及签注", "Hong Kong and Macau permit", "main"),
    ("C", "往来台湾通行证及签注", "Taiwan permit", "main"),
    ("D", "出入境记录查询", "Entry and exit records", "main"),
    ("E", "港澳企业及人员登记", "Hong Kong and Macau enterprise registration", "enterprise"),
]

# Counter number -> services in order of preference. 1-6 serve every main-hall service.
COUNTERS = {
    1: "ABCD",
    2: "BACD",
    3: "CABD",
    4: "ABCD",
    5: "BCAD",
    6: "DABC",
    7: "A",
    8: "B",
    9: "CD",
    10: "E",
    11: "E",
    12: "E",
}

USERS = [
    ("guide", "导引员 王芳", ["guide"]),
    ("counter", "窗口 李明", ["counter"]),
    ("clerk", "企业专窗 陈静", ["enterprise"]),
    ("supervisor", "值班主任 张伟", ["supervisor"]),
    ("admin", "系统管理员 刘洋", ["admin"]),
    ("hotline", "热线 赵丽", ["hotline"]),
]


class DatabaseNotEmpty(HallError):
    message = _l("The database already holds real data; demo data was not loaded.")


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Hall)) and not db.session.scalar(
        select(func.count()).select_from(Staff)
    )


def load_demo(password: str) -> Hall:
    """Create the demo hall, its services, counters and one user per role, in one transaction."""
    if not database_is_empty():
        raise DatabaseNotEmpty()
    hall = Hall(
        code=DEMO_HALL,
        name_zh="示范出入境服务大厅",
        name_en="Demo Exit and Entry Service Hall",
        timezone="Asia/Shanghai",
        opens_at=time(8, 30),
        closes_at=time(17, 30),
        open_weekdays="123456",
        target_minutes=10,
    )
    db.session.add(hall)
    services = {
        code: Service(hall=hall, code=code, name_zh=zh, name_en=en, room=room)
        for code, zh, en, room in SERVICES
    }
    db.session.add_all(services.values())
    for number, codes in COUNTERS.items():
        room = services[codes[0]].room
        counter = Counter(
            hall=hall, number=number, room=room, exclusive=room == "enterprise", state="closed"
        )
        counter.service_links = [
            CounterService(service=services[code], position=position)
            for position, code in enumerate(codes)
        ]
        db.session.add(counter)
    hashed = hash_password(password)
    for username, full_name, roles in USERS:
        db.session.add(
            Staff(
                hall=hall,
                username=username,
                full_name=full_name,
                password_hash=hashed,
                role_rows=[StaffRole(role=role) for role in roles],
            )
        )
    db.session.commit()
    _demo_enterprises(hall)
    return hall


# Enterprises incorporated in Hong Kong and Macau, with a few of their people, so the
# enterprise room has something to search and serve. The numbers are made up but valid.
ENTERPRISES = [
    (
        "香港德信贸易有限公司",
        "Dexin Trading (HK) Limited",
        "hong_kong",
        "2345678",
        [
            ("陈大文", "hk_id", "A123456(3)", "legal_representative"),
            ("李小红", "hk_id", "AB987654(3)", "staff"),
        ],
    ),
    (
        "澳门宏达建筑工程有限公司",
        "Wang Tat Construction (Macau) Ltd",
        "macau",
        "SO12345",
        [("黄志强", "macau_id", "15123456", "legal_representative")],
    ),
]


def _demo_enterprises(hall: Hall) -> None:
    """Through the enterprise room's own rules, as a clerk would register them."""
    clerk = db.session.scalars(select(Staff).where(Staff.username == "clerk")).one()
    for name_zh, name_en, place, number, people in ENTERPRISES:
        record = enterprise.save_enterprise(
            None,
            hall=hall,
            name_zh=name_zh,
            name_en=name_en,
            place=place,
            registration_number=number,
            clerk_id=clerk.id,
            actor=clerk,
        )
        for name, document_type, document_number, role in people:
            enterprise.add_member(
                record,
                name=name,
                document_type=document_type,
                document_number=document_number,
                role=role,
                actor=clerk,
            )
