"""What the demo catalog is made of: the category tree, the product lines, colours, shades and
review texts. catalog/demo.py turns these into a deterministic plan and rows."""

CATEGORY_TREE = [
    ("apparel", "服装", [("women", "女装"), ("men", "男装"), ("kids", "童装")]),
    ("beauty", "美妆", [("skincare", "护肤"), ("makeup", "彩妆"), ("fragrance", "香水")]),
    ("baby", "母婴", [("formula", "奶粉"), ("diapers", "纸尿裤"), ("feeding", "喂养用品")]),
]

# What the SKUs' two options are called outside clothing ("Color" and "Size" otherwise):
# {category slug: (first option, second option)}; a subcategory's own wins over its parent's.
OPTION_LABELS = {
    "beauty": ("色号", "规格"),
    "skincare": ("", "容量"),
    "fragrance": ("", "容量"),
    "formula": ("段数", "规格"),
}

# (category slug, code prefix, shape drawn on the image, base price range in yuan, products);
# a product may name its own shape (catalog/demo_images.py SHAPES) when the line's does not fit.
PRODUCT_LINES = [
    (
        "women",
        "wom",
        "tshirt",
        (129, 599),
        [
            ("羊毛混纺圆领针织衫", "素言", "sweater"),
            ("高腰阔腿西装裤", "素言", "trousers"),
            ("法式碎花连衣裙", "initial", "dress"),
            ("双面呢落肩大衣", "initial", "coat"),
            ("真丝质感衬衫", "素言", "shirt"),
            ("复古直筒牛仔裤", "Lee Cooper", "trousers"),
            ("轻薄羽绒马甲", "波司登", "vest"),
            ("百褶半身长裙", "initial", "skirt"),
        ],
    ),
    (
        "men",
        "men",
        "tshirt",
        (99, 699),
        [
            ("纯棉重磅短袖T恤", "海澜之家", "tshirt"),
            ("商务免烫长袖衬衫", "海澜之家", "shirt"),
            ("宽松连帽卫衣", "李宁", "hoodie"),
            ("抓绒立领夹克", "探路者", "coat"),
            ("弹力修身休闲裤", "GXG", "trousers"),
            ("90绒轻薄羽绒服", "波司登", "coat"),
            ("亚麻混纺休闲西装", "GXG", "coat"),
            ("速干运动短裤", "李宁", "shorts"),
        ],
    ),
    (
        "kids",
        "kid",
        "tshirt",
        (59, 299),
        [
            ("儿童纯棉家居服套装", "巴拉巴拉", "tshirt"),
            ("小童摇粒绒外套", "巴拉巴拉", "coat"),
            ("儿童防晒皮肤衣", "安奈儿", "hoodie"),
            ("女童公主纱裙", "安奈儿", "dress"),
            ("男童工装束脚裤", "巴拉巴拉", "trousers"),
            ("儿童保暖加绒卫衣", "361°儿童", "hoodie"),
            ("宝宝连体爬服", "好孩子", "romper"),
            ("儿童轻便运动鞋", "361°儿童", "shoe"),
        ],
    ),
    (
        "skincare",
        "skin",
        "bottle",
        (89, 499),
        [
            ("玻尿酸补水保湿精华液", "珀莱雅", "bottle"),
            ("烟酰胺焕亮面霜", "薇诺娜", "jar"),
            ("氨基酸温和洁面乳", "芙丽芳丝", "tube"),
            ("舒缓修护爽肤水", "薇诺娜", "bottle"),
            ("多肽紧致眼霜", "珀莱雅", "jar"),
            ("清透防晒乳 SPF50+", "安热沙", "tube"),
        ],
    ),
    (
        "makeup",
        "mkp",
        "lipstick",
        (79, 369),
        [
            ("丝绒哑光口红", "花西子", "lipstick"),
            ("持妆粉底液", "完美日记", "bottle"),
            ("十二色大地眼影盘", "完美日记", "palette"),
            ("细管极细眉笔", "花西子", "pencil"),
            ("柔焦定妆蜜粉", "卡姿兰", "compact"),
            ("纤长卷翘睫毛膏", "卡姿兰", "mascara"),
        ],
    ),
    (
        "fragrance",
        "frg",
        "perfume",
        (199, 899),
        [
            ("白茶淡香水", "观夏"),
            ("橙花清新淡香氛", "气味图书馆"),
            ("木质调中性香水", "观夏"),
            ("玫瑰晨露香水", "气味图书馆"),
            ("海盐鼠尾草古龙水", "野兽青年"),
            ("桂花乌龙香氛", "观夏"),
        ],
    ),
    (
        "formula",
        "fml",
        "can",
        (228, 468),
        [
            ("有机婴幼儿配方奶粉", "飞鹤"),
            ("A2蛋白婴儿配方奶粉", "a2"),
            ("羊奶粉婴幼儿配方", "佳贝艾特"),
            ("星飞帆幼儿配方奶粉", "飞鹤"),
            ("爱他美卓萃配方奶粉", "爱他美"),
            ("启赋蕴淳配方奶粉", "惠氏"),
        ],
    ),
    (
        "diapers",
        "dpr",
        "pack",
        (89, 189),
        [
            ("超薄透气纸尿裤", "花王"),
            ("夜用加厚纸尿裤", "帮宝适"),
            ("拉拉裤成长裤", "好奇"),
            ("皇家御裤纸尿裤", "好奇"),
            ("一级帮纸尿裤", "帮宝适"),
            ("婴儿学步裤", "大王"),
        ],
    ),
    (
        "feeding",
        "fed",
        "bottle",
        (49, 299),
        [
            ("宽口径玻璃奶瓶", "贝亲", "baby_bottle"),
            ("硅胶防胀气奶瓶", "可么多么", "baby_bottle"),
            ("婴儿辅食研磨碗", "爱得利", "bowl"),
            ("恒温调奶器", "小白熊", "kettle"),
            ("儿童吸管保温杯", "膳魔师", "cup"),
            ("婴儿湿巾 80抽×6包", "全棉时代", "pack"),
        ],
    ),
]

COLOR_RGB = {
    "黑色": (52, 52, 58),
    "白色": (236, 234, 228),
    "燕麦色": (214, 196, 168),
    "藏青": (38, 56, 92),
    "雾霾蓝": (140, 162, 184),
    "焦糖色": (176, 112, 64),
    "浅灰": (190, 192, 196),
    "樱花粉": (240, 190, 200),
    "橄榄绿": (120, 130, 80),
}
CLOTHING_COLORS = list(COLOR_RGB)
LIP_SHADES = ["#01 豆沙", "#02 正红", "#03 枫叶", "#04 奶茶"]
SHADE_RGB = [(178, 106, 104), (196, 32, 44), (160, 62, 40), (190, 140, 120)]
CATEGORY_RGB = {"beauty": (246, 220, 226), "baby": (214, 234, 246)}

DISPLAY_NAMES = ["小雨", "阿杰", "糖糖", "木子", "晴天", "大白", "Luna", "一只喵", "小鹿", "阿福"]
REVIEW_TEXTS = {
    "apparel": [
        "面料很舒服，版型也好看，尺码标准。",
        "颜色和图片一致，上身效果不错，推荐！",
        "做工精细，洗了两次没有起球。",
        "稍微有点偏大，建议拍小一码。",
        "门店试穿后网上下单，到店自提很方便。",
        "性价比高，已经回购第二件了。",
    ],
    "beauty": [
        "质地清爽不油腻，吸收很快。",
        "用了一周皮肤明显水润了。",
        "包装精美，送人很有面子。",
        "味道很淡雅，持久度一般。",
        "敏感肌用着没有刺激，会回购。",
    ],
    "baby": [
        "宝宝很爱喝，不上火。",
        "门店有货当天就拿到了，很及时。",
        "很柔软，宝宝屁屁没有红。",
        "日期很新鲜，囤货首选。",
        "导购很耐心，推荐的段数很合适。",
    ],
}
HIDDEN_REVIEW_TEXT = "加微信领大额优惠券！！！"
