"""The words the bench city is made of: unit, supplier, product and outlet names that read
like Shenzhen's and its paired regions'."""

BUREAUS = (
    "教育局", "卫生健康局", "民政局", "司法局", "财政局", "人力资源局", "住房和建设局",
    "交通运输局", "水务局", "文化广电旅游体育局", "应急管理局", "市场监督管理局", "统计局",
    "城市管理和综合执法局", "退役军人事务局", "医疗保障局", "生态环境局", "科技创新局",
)  # fmt: skip
UNIT_KINDS = (
    ("agency", 30, "{district}{bureau}"),
    ("institution", 15, "{district}{bureau}信息中心"),
    ("school", 25, "{district}第{n}实验学校"),
    ("hospital", 10, "{district}第{n}人民医院"),
    ("soe", 10, "{district}第{n}投资控股有限公司"),
    ("union", 10, "{district}{bureau}工会委员会"),
)
SUPPLIER_WORDS = (
    "绿源", "丰收", "金穗", "山泉", "壮乡", "红土", "益农", "惠民", "乡味", "生态", "富硒",
    "长寿", "百果", "瑶山", "云岭", "清泉", "沃土", "田园", "稻香", "果乡",
)  # fmt: skip
SUPPLIER_KINDS = (
    ("company", "农业发展有限公司"),
    ("company", "农产品有限公司"),
    ("company", "食品有限公司"),
    ("cooperative", "农民专业合作社"),
    ("company", "茶业有限公司"),
    ("company", "生态农业有限公司"),
)
VARIETIES = {
    "grain_oil": ("香米", "大米", "富硒米", "玉米", "小米", "山茶油", "花生油", "糯米"),
    "meat": ("土鸡", "香猪", "黑山羊", "土鸡蛋", "腊肉", "牦牛肉", "麻鸭"),
    "fruit": ("芒果", "沃柑", "百香果", "砂糖橘", "火龙果", "香蕉", "荔枝", "龙眼", "核桃"),
    "vegetables": ("番茄", "香菇", "木耳", "竹笋", "辣椒", "生姜", "山药", "红薯"),
    "aquatic": ("罗非鱼", "生蚝", "对虾", "禾花鱼"),
    "tea": ("红茶", "绿茶", "白毫茶", "六堡茶", "苦丁茶"),
    "dried": ("八角", "桂皮", "山货礼盒", "干笋", "葛根粉", "蜂蜜"),
    "processed": ("米粉", "螺蛳粉", "果脯", "腊肠", "酸笋"),
}
PACKS = ("5kg/箱", "10斤装", "500g/袋", "2.5kg/袋", "礼盒装", "1L/瓶", "散装")
SEASONS = ("全年", "6–9月", "11月–次年3月", "4月、9月", "7–10月", "常年", "5–8月", "")
OUTLET_KINDS = (("counter", 42, "专柜"), ("zone", 20, "专区"), ("hall", 18, "专馆"),
                ("station", 12, "专站"), ("train", 8, "专列"))  # fmt: skip
HOSTS = (
    ("supermarket", "华润万家"), ("supermarket", "天虹商场"), ("supermarket", "永辉超市"),
    ("party_centre", "党群服务中心"), ("transport", "地铁站"), ("hospital", "人民医院"),
    ("school", "实验学校"), ("government", "政务服务中心"), ("market", "农产品市场"),
    ("standalone", "消费帮扶馆"),
)  # fmt: skip
# The catalogue search the bench times: a variety a citizen types, found in ~1% of products.
CATALOGUE_QUERY = "芒果"
