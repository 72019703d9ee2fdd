"""Names for the demo city: the real sub-districts and towns of Huizhou's five districts, and plausible
community, village and person names drawn from fixed lists with a seeded generator.

Sub-district names are real (as of the early 2020s; functional zones such as 仲恺高新区 and 大亚湾开发区 manage some
of them but are not statistical units). Their codes here follow GB/T 10114 ranges (街道 001–099, 镇 100–199,
乡 200–399) in list order; they are not the official codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    #: comprehensive grids in this district (the five add up to 3,533)
    grids: int
    #: communities and villages in this district
    communities: int
    #: the district seat, WGS-84 (lon, lat): sub-districts near it are 街道, far from it 镇/乡
    seat: tuple[float, float]
    #: 街道 names first, then 镇, then 乡 — each group is numbered from its GB/T 10114 range in this order
    streets: tuple[str, ...]
    towns: tuple[str, ...]
    townships: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PROVINCE = ("440000", "广东省")
CITY = ("441300", "惠州市")

DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        "441302",
        "惠城区",
        1200,
        300,
        (114.405, 23.085),
        (
            "桥东街道",
            "桥西街道",
            "江南街道",
            "江北街道",
            "龙丰街道",
            "河南岸街道",
            "水口街道",
            "小金口街道",
            "惠环街道",
            "陈江街道",
        ),
        ("汝湖镇", "三栋镇", "马安镇", "横沥镇", "芦洲镇", "沥林镇", "潼湖镇", "潼侨镇"),
    ),
    DistrictSpec(
        "441303",
        "惠阳区",
        720,
        200,
        (114.462, 22.792),
        ("淡水街道", "秋长街道", "三和街道", "澳头街道", "西区街道", "霞涌街道"),
        ("沙田镇", "新圩镇", "镇隆镇", "永湖镇", "良井镇", "平潭镇"),
    ),
    DistrictSpec(
        "441322",
        "博罗县",
        760,
        260,
        (114.285, 23.170),
        ("罗阳街道", "龙溪街道"),
        (
            "石湾镇",
            "园洲镇",
            "龙华镇",
            "长宁镇",
            "福田镇",
            "柏塘镇",
            "公庄镇",
            "杨村镇",
            "观音阁镇",
            "湖镇镇",
            "泰美镇",
            "麻陂镇",
            "石坝镇",
            "杨侨镇",
            "横河镇",
        ),
    ),
    DistrictSpec(
        "441323",
        "惠东县",
        560,
        210,
        (114.715, 22.985),
        ("平山街道", "大岭街道"),
        (
            "白花镇",
            "梁化镇",
            "稔山镇",
            "铁涌镇",
            "平海镇",
            "吉隆镇",
            "黄埠镇",
            "多祝镇",
            "白盆珠镇",
            "安墩镇",
            "宝口镇",
            "高潭镇",
        ),
    ),
    DistrictSpec(
        "441324",
        "龙门县",
        293,
        130,
        (114.255, 23.727),
        ("龙城街道", "平陵街道"),
        ("龙田镇", "龙江镇", "永汉镇", "龙华镇", "麻榨镇", "地派镇", "龙潭镇", "路溪镇"),
        ("蓝田瑶族乡",),
    ),
)

_FIRST = _words(
    "东平 西湖 南坛 北门 新村 金山 银岗 龙岗 凤田 桥头 江滨 河背 湖山 鹅岭 丰湖 麦地 下埔 上排 水北 沙岗 石湖 竹园 "
    "松山 梅湖 桃园 荷岭 和平 安宁 兴华 旺村 富民 华侨 福田 祥和 瑞景 康乐 宁远 泰安 白鹤 黄屋 青塘 红花 马庄 鹤峰 "
    "云山 阳光 花边 岭南 塘尾 坑口 田心 围仔 埔前 园岭 湾畔 洲头 冈背 坪山 排坊 布心 长湖 大塘 小塘 高岭 低坑 "
    "新联 新光 新民 新围 新塘 旧屋 老街 中心 中和 中兴 东江 西枝 南山 北岸 前进 后岗 左溪 右岸 三联 四维 五一 "
    "六合 七星 八一 九龙 十里 百花 千岛 万家 玉塘 金鸡 银湖 铜锣 铁炉 石岭 木棉 水口 火村 土湖 月光 星河 日升 "
    "春江 夏塘 秋长 冬青 岭头 塘厦 坑背 田头 围肚 埔心 园洲 湾头 洲仔 冈头 坪地 排岭 布吉 陂头 圳美 墩头 楼角"
)
_VILLAGE_SUFFIX = ("村",)
_SURNAMES = _words("陈 李 黄 张 刘 林 杨 叶 吴 邓 钟 曾 罗 何 王 梁 赖 郑 谢 廖 徐 朱 周 邱 潘 蔡 江 温 卢 苏")
_GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玉 萍 红 文 辉 建 国 志 海 燕 "
    "丹 宇 鹏 斌 婷 琳 俊 峰 晓 佳 欣 颖 浩 晨 博 思 梓 睿 子 嘉 雨 泽 宏 伟 莉 慧 婉 君"
)


class NameBook:
    """Draws names without repeating them inside a scope (a sub-district for communities)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def community_names(self, count: int, residential: list[bool], taken: set[str]) -> list[str]:
        names: list[str] = []
        order = self.rng.permutation(len(_FIRST))
        cursor = 0
        for is_residential in residential[:count]:
            while True:
                if cursor < len(order):
                    stem = _FIRST[int(order[cursor])]
                else:  # more than the list holds: add a direction to make a new stem
                    stem = "上下东西南北"[cursor % 6] + _FIRST[int(order[cursor % len(order)])]
                cursor += 1
                name = stem + ("社区" if is_residential else _VILLAGE_SUFFIX[0])
                if name not in taken:
                    taken.add(name)
                    names.append(name)
                    break
        return names

    def person(self) -> str:
        surname = _SURNAMES[int(self.rng.integers(len(_SURNAMES)))]
        given_len = 1 + int(self.rng.random() < 0.7)
        given = "".join(_GIVEN[int(i)] for i in self.rng.integers(len(_GIVEN), size=given_len))
        return surname + given
