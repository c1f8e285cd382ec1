"""The demo's suppliers, bases and products, drawn from the source articles (百色芒果, 田阳小番茄,
环江沃柑, 巴马香米, 喀什香馕, 察隅猕猴桃, 大化七百弄鸡, 紫金茶叶, 汕尾大米 …), and which of them
the supplier demo accounts belong to. The rows live in two data modules, by province.
"""

from .specs import SupplierSpec
from .suppliers_elsewhere import SUPPLIERS as ELSEWHERE
from .suppliers_guangxi import SUPPLIERS as GUANGXI

SUPPLIERS: tuple[SupplierSpec, ...] = GUANGXI + ELSEWHERE

# The `supplier` demo account's supplier: recognised products, none with 圳品 (it may apply).
SUPPLIER_ACCOUNT_KEY = "tianyang_agri"
# The `supplier_2` demo account's supplier: holds 圳品 on its famous chicken.
SUPPLIER_2_ACCOUNT_KEY = "dahua_chicken"
