"""Code tables used by the sample generator.

Names are copied verbatim from the GACC code lists in ``reference/gacc`` (2023 commodity list,
hand-cleaned partner list, customs regime list, registration-location (province) list; the provinces' English
names from reference/gacc/en-provinces.csv) so that sample files look like real downloads,
including the portal's own typos ("Eurapium", "prmnnt") and its full-width characters.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGNET = "magnet"
METAL = "metal"
COMPOUND = "compound"
FERROALLOY = "ferroalloy"


@dataclass(frozen=True)
class Commodity:
    code: str
    name_zh: str
    name_en: str
    group: str


@dataclass(frozen=True)
class Partner:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class CustomsRegime:
    code: str
    name_zh: str
    name_en: str


# Unit of every code below is the kilogram (first unit "千克" / "Kilogram", no second unit).
UNIT_ZH = "千克"
UNIT_EN = "Kilogram"
# The portal writes "?" where a code has no second unit.
MISSING = "?"

COMMODITIES: tuple[Commodity, ...] = (
    Commodity(
        "85051110",
        "稀土的永磁铁及磁化后准备制永磁铁的物品",
        "Permanent magnets/articles going to be prmnnt magnets, of rare-earth metals",
        MAGNET,
    ),
    Commodity("28053011", "钕，未相混合或相互熔合", "Neodymium, not intermixed or interalloyed", METAL),
    Commodity("28053012", "镝，未相混合或相互熔合", "Dysprosium, not intermixed or interalloyed", METAL),
    Commodity("28053013", "铽，未相混合或相互熔合", "Terbium,not intermixed or interalloyed", METAL),
    Commodity("28053014", "镧，未相互混合或相互熔合", "Lanthanum, not intermixed or interalloyed", METAL),
    Commodity("28053015", "铈，未相互混合或相互熔合", "Cerium, not intermixed or interalloyed", METAL),
    Commodity("28053016", "镨，未相互混合或相互熔合", "Praseodymium, not intermixed or interalloyed", METAL),
    Commodity("28053017", "钇，未相互混合或相互熔合", "Yttrium, not intermixed or interalloyed", METAL),
    Commodity("28053018", "钪，未相互混合或相互熔合", "Scandium, not intermixed or interalloyed", METAL),
    Commodity(
        "28053019",
        "其他稀土金属，未相混合或相互熔合",
        "Othr rare-earth metals, scandium, not intermixed or interalloyed",
        METAL,
    ),
    Commodity(
        "28053021",
        "电池级稀土金属、钪及钇，已相互混合或熔合",
        "Rare-earth metals, scandium&yttrium, battery grade, inter- mixed/alloyed",
        METAL,
    ),
    Commodity(
        "28053029",
        "其他稀土金属、钪及钇，已相混合或相互熔合",
        "Rare-earth metals, scandium&yttrium, inter- mixed/alloyed, nes",
        METAL,
    ),
    Commodity("28461010", "氧化铈", "Cerium oxide", COMPOUND),
    Commodity("28461090", "其他铈的化合物", "Cerium compounds, nes", COMPOUND),
    Commodity("28469011", "氧化钇", "Yttrium oxide", COMPOUND),
    Commodity("28469012", "氧化镧", "Lanthanum oxide", COMPOUND),
    Commodity("28469013", "氧化钕", "Neodymium oxide", COMPOUND),
    Commodity("28469014", "氧化铕", "Eurapium oxide", COMPOUND),
    Commodity("28469015", "氧化镝", "Dysprosium oxide", COMPOUND),
    Commodity("28469016", "氧化铽", "Terbium oxide", COMPOUND),
    Commodity("28469017", "氧化镨", "Praseodymium oxide (sesquioxide)", COMPOUND),
    Commodity("28469019", "未列名氧化稀土", "Rare-earth oxides other than of cerium, nes", COMPOUND),
    Commodity("28469028", "混合氯化稀土", "Mixture of rare-earth chlorides", COMPOUND),
    Commodity("28469034", "氟化钕", "Neodymium fluoride", COMPOUND),
    Commodity("28469041", "碳酸镧", "Lanthanum carbonate", COMPOUND),
    Commodity("28469048", "混合碳酸稀土", "Mixture of rare-earth carbonate", COMPOUND),
    Commodity(
        "28469099",
        "未列名稀土金属及其混合物的化合物",
        "Compounds of rare-earth metals or mixture thereof",
        COMPOUND,
    ),
    Commodity(
        "72029991",
        "按重量计稀土元素总含量在10％以上的其他铁合金",
        # The full-width "＞" is what the GB18030-encoded English list really contains.
        "Other ferro-alloys, with rare-earth＞10% by weight",
        FERROALLOY,
    ),
)

# Names follow the hand-cleaned partner list (so 133 is "South Korea" and 141 "Vietnam",
# not the "Republic of Korea" / "Viet Nam" spelling some press reports use).
PARTNERS: tuple[Partner, ...] = (
    Partner("502", "美国", "United States"),
    Partner("304", "德国", "Germany"),
    Partner("133", "韩国", "South Korea"),
    Partner("141", "越南", "Vietnam"),
    Partner("116", "日本", "Japan"),
    Partner("111", "印度", "India"),
    Partner("110", "中国香港", "Hong Kong"),
    Partner("136", "泰国", "Thailand"),
    Partner("429", "墨西哥", "Mexico"),
    Partner("327", "波兰", "Poland"),
    Partner("307", "意大利", "Italy"),
    Partner("309", "荷兰", "Netherlands"),
    Partner("305", "法国", "France"),
    Partner("303", "英国", "United Kingdom"),
    Partner("122", "马来西亚", "Malaysia"),
    Partner("129", "菲律宾", "Philippines"),
    Partner("112", "印度尼西亚", "Indonesia"),
    Partner("410", "巴西", "Brazil"),
    Partner("137", "土耳其", "Turkey"),
    Partner("501", "加拿大", "Canada"),
    Partner("312", "西班牙", "Spain"),
    Partner("143", "中国台湾", "Taiwan"),
    Partner("132", "新加坡", "Singapore"),
    Partner("601", "澳大利亚", "Australia"),
    Partner("344", "俄罗斯联邦", "Russia"),
    Partner("352", "捷克", "Czech Republic"),
    Partner("321", "匈牙利", "Hungary"),
    Partner("315", "奥地利", "Austria"),
    Partner("301", "比利时", "Belgium"),
    Partner("331", "瑞士", "Switzerland"),
    Partner("330", "瑞典", "Sweden"),
    Partner("138", "阿联酋", "United Arab Emirates"),
    Partner("115", "以色列", "Israel"),
    Partner("106", "缅甸", "Myanmar"),
    Partner("119", "老挝", "Laos"),
    Partner("236", "尼日利亚", "Nigeria"),
    Partner("334", "爱沙尼亚", "Estonia"),
    Partner("227", "马达加斯加", "Madagascar"),
)

# Only the regimes the sample uses (imports 10 and 15; exports also the two bonded ones). Note: in GACC's list 14 is
# "Processing and Assembling" (来料加工贸易); "Processing with Imported Materials" (进料加工贸易) is 15.
CUSTOMS_REGIMES: tuple[CustomsRegime, ...] = (
    CustomsRegime("10", "一般贸易", "Ordinary Trade"),
    CustomsRegime("15", "进料加工贸易", "Processing with Imported Materials"),
    CustomsRegime("33", "保税监管场所进出境货物", "Customs Warehousing Trade"),
    CustomsRegime("34", "海关特殊监管区域物流货物", "Entrepot Trade by Bonded Area"),
)


@dataclass(frozen=True)
class Province:
    code: str
    name_zh: str
    name_en: str


# The provinces (registered location of the trading firm, 注册地) the sample's exports come from.
PROVINCES: tuple[Province, ...] = (
    Province("11", "北京市", "Beijing"),
    Province("15", "内蒙古自治区", "Inner Mongolia"),
    Province("31", "上海市", "Shanghai"),
    Province("32", "江苏省", "Jiangsu"),
    Province("33", "浙江省", "Zhejiang"),
    Province("35", "福建省", "Fujian"),
    Province("36", "江西省", "Jiangxi"),
    Province("37", "山东省", "Shandong"),
    Province("44", "广东省", "Guangdong"),
    Province("45", "广西壮族自治区", "Guangxi"),
    Province("51", "四川省", "Sichuan"),
)

COMMODITY_BY_CODE: dict[str, Commodity] = {c.code: c for c in COMMODITIES}
PARTNER_BY_CODE: dict[str, Partner] = {p.code: p for p in PARTNERS}
REGIME_BY_CODE: dict[str, CustomsRegime] = {r.code: r for r in CUSTOMS_REGIMES}
PROVINCE_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}

# Which codes make up each series. "rare_earths_headline" is the customs headline
# "rare earths" line as the press uses it: metals plus compounds, without magnets or ferroalloys.
SERIES_CODES: dict[str, frozenset[str]] = {
    "magnets": frozenset(c.code for c in COMMODITIES if c.group == MAGNET),
    "rare_earths_headline": frozenset(c.code for c in COMMODITIES if c.group in (METAL, COMPOUND)),
    "ferroalloys": frozenset(c.code for c in COMMODITIES if c.group == FERROALLOY),
}
