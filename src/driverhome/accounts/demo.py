"""Demo organisations of the Beilun report, and one login per role."""

from __future__ import annotations

from django.db import transaction

from .models import Organisation, Role, User

K = Organisation.Kind
U = Organisation.UnitKind

# (code, name, short name, kind, unit kind, parent code)
ORGANISATIONS = [
    ("zj", "浙江省", "浙江", K.PROVINCE, "", None),
    ("nb", "宁波市", "宁波", K.CITY, "", "zj"),
    ("beilun", "北仑区", "北仑", K.DISTRICT, "", "nb"),
    ("beilun-party", "北仑区交通运输行业党委", "行业党委", K.PARTY_COMMITTEE, "", "beilun"),
    ("beilun-transport", "北仑区交通运输局", "区交通局", K.HANDLING_UNIT, U.TRANSPORT, "beilun"),
    ("beilun-hrss", "北仑区人力资源和社会保障局", "区人社局", K.HANDLING_UNIT, U.LABOUR, "beilun"),
    (
        "beilun-si",
        "北仑区社会保险管理服务中心",
        "区社保中心",
        K.HANDLING_UNIT,
        U.SOCIAL_INSURANCE,
        "beilun",
    ),
    (
        "beilun-traffic-police",
        "宁波市公安局交通警察局北仑分局",
        "北仑交警",
        K.HANDLING_UNIT,
        U.TRAFFIC_POLICE,
        "beilun",
    ),
    (
        "beilun-police",
        "宁波市公安局北仑分局",
        "北仑公安",
        K.HANDLING_UNIT,
        U.PUBLIC_SECURITY,
        "beilun",
    ),
    ("beilun-education", "北仑区教育局", "区教育局", K.HANDLING_UNIT, U.EDUCATION, "beilun"),
    ("beilun-health", "北仑区卫生健康局", "区卫健局", K.HANDLING_UNIT, U.HEALTH, "beilun"),
    ("beilun-housing", "北仑区住房和城乡建设局", "区住建局", K.HANDLING_UNIT, U.HOUSING, "beilun"),
    (
        "beilun-justice",
        "北仑区司法局（法律援助中心）",
        "区法援中心",
        K.HANDLING_UNIT,
        U.JUSTICE,
        "beilun",
    ),
    ("beilun-union", "北仑区总工会", "区总工会", K.HANDLING_UNIT, U.UNION, "beilun"),
    ("beilun-women", "北仑区妇女联合会", "区妇联", K.HANDLING_UNIT, U.WOMEN, "beilun"),
    ("beilun-market", "北仑区市场监督管理局", "区市监局", K.HANDLING_UNIT, U.MARKET, "beilun"),
    ("beilun-civil", "北仑区民政局", "区民政局", K.HANDLING_UNIT, U.CIVIL_AFFAIRS, "beilun"),
    ("beilun-port", "宁波舟山港北仑港区管理处", "港区管理处", K.HANDLING_UNIT, U.PORT, "beilun"),
    (
        "kfq-logistics",
        "宁波经济技术开发区物流发展有限公司",
        "开发区物流公司",
        K.OPERATOR,
        "",
        "beilun",
    ),
    ("xiapu", "霞浦街道", "霞浦街道", K.SUBDISTRICT, "", "beilun"),
    ("xiapu-community", "霞浦街道物流工业社区", "物流工业社区", K.COMMUNITY, "", "xiapu"),
    ("guoju", "郭巨街道", "郭巨街道", K.SUBDISTRICT, "", "beilun"),
    ("guoju-zhinan", "郭巨峙南集卡停车场运营中心", "峙南停车场", K.OPERATOR, "", "guoju"),
    # A neighbouring district: its staff must never see Beilun's drivers and requests.
    ("zhenhai", "镇海区", "镇海", K.DISTRICT, "", "nb"),
    ("zhenhai-zhaobaoshan", "招宝山街道", "招宝山街道", K.SUBDISTRICT, "", "zhenhai"),
]

# (username, full name, role, organisation code, what to try)
USERS = [
    ("admin", "系统管理员", Role.ADMIN, None, "users, catalogues, time limits, audit log"),
    (
        "supervisor",
        "陈建国",
        Role.SUPERVISOR,
        "beilun",
        "district dashboard, overdue requests, supervision",
    ),
    ("party", "王立新", Role.SUPERVISOR, "beilun-party", "the industry party committee's view"),
    (
        "jiyun",
        "李海燕",
        Role.SITE_STAFF,
        "kfq-logistics",
        "Jiyun base: apartments, site, check-ins",
    ),
    (
        "xiapu",
        "周晓梅",
        Role.SITE_STAFF,
        "xiapu-community",
        "Xiapu: services, childcare, workshop, training",
    ),
    ("guoju", "孙卫东", Role.SITE_STAFF, "guoju", "Guoju Zhinan: Red Collar Markets"),
    (
        "broker",
        "郑红霞",
        Role.BROKER,
        "guoju",
        "care broker: worklist, return visits, recommendations",
    ),
    ("broker2", "吴志强", Role.BROKER, "xiapu-community", "care broker at Xiapu"),
    (
        "labour",
        "黄明",
        Role.UNIT_HANDLER,
        "beilun-hrss",
        "labour bureau: accept, extend, answer requests",
    ),
    ("police", "刘强", Role.UNIT_HANDLER, "beilun-traffic-police", "traffic police handler"),
    ("zhenhai", "赵磊", Role.SITE_STAFF, "zhenhai-zhaobaoshan", "an outsider: sees none of Beilun"),
]


@transaction.atomic
def load(ctx) -> None:
    created = 0
    by_code: dict[str, Organisation] = {o.code: o for o in Organisation.objects.all()}
    for code, name, short, kind, unit_kind, parent in ORGANISATIONS:
        if code in by_code:
            continue
        org = Organisation(
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            unit_kind=unit_kind,
            parent=by_code.get(parent),
        )
        org.save()
        by_code[code] = org
        created += 1
    users = 0
    for username, full_name, role, org_code, hint in USERS:
        if not User.objects.filter(username=username).exists():
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                organisation=by_code.get(org_code) if org_code else None,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(ctx.password)
            user.save()
            users += 1
        ctx.logins.append((username, Role(role).label, hint))
    ctx.say(f"organisations: {created} new, {len(by_code)} in all; staff users: {users} new")
