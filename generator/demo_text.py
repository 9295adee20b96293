"""Chinese text for the demo letters: topics, letter bodies, replies and office notes.

Everything here is invented for the fictional county 示范县. Texts name places
(villages, roads, housing estates) but never a person, a telephone number of a
citizen, an ID number, a house number or an e-mail address, because the privacy
checker scans every letter. The only telephone numbers that appear are the
departments' office numbers from departments.yaml, which the checker allows in
replies.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

VILLAGES = (
    "新围", "上坑", "田心", "下寮", "石湖", "龙潭", "东埔", "西山", "后洋", "南溪", "北坑", "大塘",
    "竹林", "沙岗", "桥头", "高楼", "埔仔", "湖东", "赤岭", "青径", "长沙", "石角", "凤岗", "白石",
)
ESTATES = (
    "阳光花园", "滨江华府", "金海湾花园", "翠湖苑", "锦绣家园", "富康小区", "碧海名居", "幸福里",
    "御景湾", "明珠花园", "和谐家园", "新城雅苑", "东湖名都", "丽水湾", "桂园新村",
)
ROADS = (
    "人民路", "新华路", "建设路", "海滨大道", "环城西路", "二环路", "文明路", "工业大道", "解放路",
    "中山路", "龙津路", "站前路", "滨河路", "学府路", "迎宾大道", "东风路", "青年路",
)
SCHOOLS = (
    "县第一中学", "县第二中学", "县实验小学", "县城南小学", "县城南幼儿园", "县职业技术学校",
    "{town}中心小学", "{town}中学",
)
HOSPITALS = ("县人民医院", "县中医院", "县妇幼保健院", "{town}卫生院")
DURATIONS = ("半个多月", "一个多月", "两个多月", "三个多月", "半年多", "快一年", "好几个星期")
NIGHT_TIMES = ("每天晚上十点以后", "深夜十一点多", "凌晨两三点", "晚上八点到十一点", "周末一大早")

NICKNAMES = (
    "热心市民", "东城老街坊", "海边的风", "一名家长", "上班族", "退休教师", "普通群众", "外出务工人员",
    "打工仔", "小区业主", "老党员", "本地居民", "返乡青年", "个体户", "摩托车骑手", "网友",
    "清风徐来", "云淡风轻", "向日葵", "追梦人", "山里人家", "蓝天白云", "守望者", "平凡的人",
    "夜归人", "老实人", "一位村民", "关注民生", "爱家乡", "小草", "静水流深", "阿强的爸爸",
)

CHANNEL_OPENINGS = {
    "leader_mailbox": ("尊敬的领导：您好！", "县领导您好！", "领导好！"),
    "forum": ("各位好，", "大家好，", "", "问政平台的工作人员你们好，"),
    "microblog": ("", "@示范县网络问政 ", "求关注！"),
    "mobile": ("", "你好，", "您好，"),
    "online_petition": ("尊敬的领导：", "您好！", "有关部门：",),
    "hotline": ("来电反映：", "市民来电称，", "群众来电反映，"),
}

CLOSINGS = (
    "希望有关部门尽快处理，谢谢！", "恳请相关部门重视，给群众一个答复。", "盼回复。", "谢谢！",
    "希望能早日解决。", "麻烦尽快落实，谢谢。", "请领导关注一下。", "期待回复！", "",
)

SUGGESTION_CLOSINGS = (
    "以上建议仅供参考，谢谢！", "希望建议能被采纳。", "一点想法，请有关部门研究。", "谢谢！",
)

REPLY_OPENINGS = (
    "网友您好！您反映的问题已收悉。",
    "您好！感谢您对我县{subject}工作的关注和监督。",
    "尊敬的网友：您好！您的留言我们已认真阅读。",
    "网友您好！感谢您的留言。",
    "您好！您在网络问政平台反映的问题已收悉，现回复如下。",
)

REPLY_CHECKS = (
    "收到留言后，{self}高度重视，第一时间安排工作人员到现场核查。",
    "{self}随即组织相关股室人员进行了调查核实。",
    "接到交办后，{self}立即会同有关单位实地查看。",
    "{self}收到交办后，安排专人跟进处理。",
)

REPLY_CLOSINGS = (
    "感谢您的理解与支持！",
    "感谢您对我们工作的监督。",
    "欢迎继续监督。",
    "如仍有问题，欢迎继续通过本平台反映。",
    "感谢您的关注！",
)

PHONE_LINES = (
    "如有疑问，请在工作时间拨打{self}电话{phone}咨询。",
    "如需进一步了解，可在工作日致电{phone}。",
    "具体事宜可拨打{phone}咨询。",
)

INTERIM_REPLIES = (
    "网友您好！您反映的问题已收悉，{self}已安排专人调查处理，办理结果将及时回复，请耐心等待。",
    "您好！留言已收到，{self}已受理，正在组织核查，待有结果后再作详细答复。",
    "网友您好！您的留言已转交{self}相关股室办理，我们将尽快核实情况并回复。",
    "已受理。{self}正在会同有关单位核实情况，办理结果将在本平台公开答复。",
    "您好！{self}已收到交办件，目前正在调查中，感谢您的耐心。",
)

COHANDLER_REPLIES = (
    "{self}已配合牵头单位开展现场核查，并提供了相关资料，后续处理情况由牵头单位统一答复。",
    "收到交办后，{self}派员参与了联合调查，涉及{self}职责的部分已落实，具体结果请以牵头单位答复为准。",
    "{self}已按职责分工配合办理，相关意见已反馈牵头单位。",
)

EXTENSION_REASONS = (
    "涉及多个部门职责，需要协调会商，申请延期办理。",
    "需委托第三方检测机构出具检测报告，报告出具需要时间。",
    "问题涉及历史遗留情况，需调阅档案并召集相关方协调。",
    "需现场测量并制定整改方案，工程施工需要一定周期。",
    "相关资金需按程序审批，申请延期办理。",
    "当事双方意见分歧较大，需进一步调解。",
    "需上报上级主管部门审核，审核结果尚未下达。",
)

SUPERVISION_NOTES = (
    "该件已超过办理时限，请承办单位加快办理，按期回复办理结果。",
    "网民多次反映，请承办单位主要负责同志亲自督办，限期办结。",
    "请于期限内办结并在平台公开答复，逾期将纳入督查通报。",
    "请承办单位说明未按时办理的原因，并落实整改。",
)

REDO_REASONS = (
    "网民反映问题未实际解决，办理结果不实，责成重新办理。",
    "答复内容过于笼统，未回应网民诉求，请重新办理并详细答复。",
    "经回访核实，整改措施未落实到位，请重新办理。",
    "网民对办理结果不满意，经核查情况属实，请重新办理。",
)

REDO_REPLIES = (
    "根据网络问政办的重新办理要求，{self}再次组织人员到现场核查，已督促有关方面落实整改，目前问题已处理完毕。",
    "经重新办理，{self}对原答复未覆盖的问题逐项作了核实，已按要求整改到位，并向网民当面作了说明。",
    "{self}就原办理不到位的问题作了检查，已重新制定处理方案并落实，感谢网民的监督。",
)

SUGGESTION_REPLIES = (
    "您提出的建议很有参考价值，{self}将认真研究，结合实际纳入下一步工作计划。",
    "感谢您的建议。{self}已将该建议提交班子会议研究，条件成熟时将逐步推进。",
    "您的建议我们已记录在案，将在编制明年工作计划时统筹考虑。",
)


@dataclass(frozen=True, slots=True)
class Topic:
    """One kind of matter citizens write about, with the texts for the letter and the reply."""

    key: str
    handler: str          # a department id, or "town" for the town the letter is about
    category: str         # the handler's category, used when the id is not in the table
    weight: float
    types: dict[str, int]
    titles: tuple[str, ...]
    facts: tuple[str, ...]
    asks: tuple[str, ...]
    findings: tuple[str, ...]
    actions: tuple[str, ...]
    subject: str
    cohandlers: tuple[str, ...] = ()
    complex_rate: float = 0.2
    answers: tuple[str, ...] = field(default=())  # for consultations


TOPICS: tuple[Topic, ...] = (
    Topic(
        "village_road", "town", "town", 3.0, {"complaint": 3, "suggestion": 1},
        ("{town}{village}村的村道坑坑洼洼，什么时候能修？", "关于{village}村通村公路破损的问题",
         "反映{town}{village}村道路年久失修", "{village}村到镇上的路太烂了"),
        ("{village}村通往{town}圩镇的村道路面破损严重，到处是坑，下雨天积水很深，摩托车经常打滑。",
         "这条路已经坏了{duration}，大货车来回碾压，路面越来越烂，学生上学、老人看病都很不方便。",
         "前段时间有人在这里摔倒受伤，村民意见很大。"),
        ("希望镇里尽快安排修复。", "建议把这段路纳入今年的道路硬化计划。", "请派人来看一看。"),
        ("经查，该路段长约一点二公里，因超载车辆碾压造成路面多处破损。",
         "经现场查看，网民反映的路段确有多处坑洼，存在安全隐患。"),
        ("{self}已安排施工队对坑洼处进行修补，并在路口设置限载标志。",
         "该路段已列入本年度农村公路提升改造计划，将于近期开工。",
         "目前已完成破损路面的临时修补，后续将申请资金进行整体改造。"),
        "农村公路", ("transport",), 0.25,
    ),
    Topic(
        "street_lights", "town", "town", 2.0, {"complaint": 4, "suggestion": 1},
        ("{town}{road}的路灯坏了好久了", "反映{road}一带路灯不亮", "{estate}门口的路灯晚上不亮"),
        ("{road}从{estate}到十字路口这一段，路灯有一半不亮，已经{duration}了。",
         "晚上下班经过这里一片漆黑，电动车和行人都看不清路，很不安全。",
         "附近住了很多老人和孩子，晚上出来散步都要自己带手电筒。"),
        ("请尽快派人维修。", "希望能早日恢复照明。", "建议定期巡查路灯。"),
        ("经核查，该路段路灯因线路老化短路导致部分灯具不亮。",
         "经现场检查，共有十余盏路灯损坏，主要是灯具老化。"),
        ("已于近日更换损坏灯具和老化线路，目前路灯已恢复正常照明。",
         "{self}已联系维护单位完成维修，并将该路段纳入日常巡查范围。"),
        "市政设施", ("urban", "power"), 0.15,
    ),
    Topic(
        "garbage", "town", "town", 3.0, {"complaint": 5, "suggestion": 1},
        ("{village}村垃圾堆积无人清运", "{town}{estate}旁边的垃圾站臭气熏天", "垃圾好几天没人收"),
        ("{village}村口的垃圾点已经好几天没人清运，垃圾堆得像小山一样，苍蝇老鼠很多。",
         "天气一热就发出阵阵恶臭，附近住户窗户都不敢开。",
         "垃圾桶满了以后，很多人直接把垃圾丢在路边，下雨后污水流到路面上。"),
        ("希望增加清运次数。", "请尽快清理并加强管理。", "建议把垃圾点迁到远离住户的地方。"),
        ("经查，因保洁公司清运车辆故障，该点垃圾未能按时清运。",
         "经现场核实，该垃圾收集点容量不足，清运频次偏低。"),
        ("{self}已督促保洁公司当天完成清运，并将清运频次调整为每日两次。",
         "已增设垃圾桶，并安排专人每日巡查，确保日产日清。"),
        "环境卫生", ("urban", "environment"), 0.15,
    ),
    Topic(
        "flooding", "town", "town", 2.0, {"complaint": 3, "suggestion": 2},
        ("{road}一下雨就水浸街", "反映{town}{estate}周边排水不畅的问题", "雨后内涝严重，请疏通排水渠"),
        ("每次下大雨，{road}靠近{estate}的路段都会积水，最深的时候没过膝盖。",
         "排水渠被淤泥和垃圾堵塞，雨水排不出去，一楼的商铺多次被水淹。",
         "积水要两三天才退，车辆通行困难，附近群众苦不堪言。"),
        ("希望尽快清淤疏通。", "建议对排水管网进行改造。", "请在汛期前解决。"),
        ("经查，该路段排水管道管径偏小，且部分管段淤塞。",
         "经现场勘查，积水主要因附近施工导致排水渠堵塞。"),
        ("{self}已组织对该路段排水渠进行清淤，并责令施工单位恢复排水设施。",
         "已完成管道疏通，排水管网改造工程已列入明年计划。"),
        "排水防涝", ("water", "housing"), 0.35,
    ),
    Topic(
        "homestead", "town", "town", 1.5, {"complaint": 2, "consultation": 2},
        ("宅基地纠纷请镇里出面调解", "{village}村宅基地审批咨询", "邻居建房占用通道怎么办？"),
        ("我家在{village}村有一块祖传的宅基地，邻居建新房时把围墙砌到了我家地界上。",
         "我们和对方协商了好几次都没有结果，村委会也说管不了。",
         "想咨询一下，农村建房需要办理哪些手续，审批要多长时间？"),
        ("请镇里派人调解。", "希望依法处理。", "请告知具体办理流程。"),
        ("经镇综治办会同村委会到现场查看，双方争议的地界约为一米宽。",
         "经调阅宅基地档案，双方的用地范围有原始登记资料可查。"),
        ("{self}已组织双方进行调解，双方已达成一致意见，对方同意后退围墙。",
         "已告知双方可依据登记资料协商解决，协商不成可申请土地权属争议调处。"),
        "农村宅基地", ("natural-resources",), 0.4,
        ("农村村民建房需向村集体经济组织提出申请，经村民代表会议讨论通过后报镇政府审批，具体材料可到镇便民服务中心咨询。",),
    ),
    Topic(
        "market_stalls", "town", "town", 1.5, {"complaint": 4},
        ("{town}农贸市场周边占道经营严重", "{road}上的流动摊贩太多了", "市场门口天天堵车"),
        ("{town}农贸市场门口和{road}两边摆满了流动摊位，早上买菜的时候车都过不去。",
         "摊贩把菜叶和污水直接倒在路边，卫生很差。", "有时候为了抢位置还发生争吵。"),
        ("希望加强管理。", "建议规划临时摊位区。", "请执法部门来管一管。"),
        ("经查，农贸市场周边确实存在占道经营现象，早市时段尤为突出。",),
        ("{self}已联合执法队在早晚高峰开展巡查，引导摊贩入场经营，并在市场内增设临时摊位。",
         "已清理占道摊位，并安排人员定点值守，防止反弹。"),
        "市容秩序", ("urban", "market"), 0.2,
    ),
    Topic(
        "river_odor", "town", "town", 1.2, {"complaint": 4, "opinion": 1},
        ("{village}村河涌发黑发臭", "反映{town}一条小河污染严重", "河里的鱼都死了"),
        ("{village}村旁边的河涌这段时间水质发黑，散发臭味，河面上漂着死鱼。",
         "怀疑上游有养殖场或者小作坊偷排污水。", "小时候还能下河游泳，现在连靠近都不敢。"),
        ("请相关部门查一查污染源。", "希望尽快治理。"),
        ("经联合排查，上游一处养殖场存在污水未经处理直排的问题。",
         "经取样检测，该河段水质氨氮指标偏高，主要为生活污水排入所致。"),
        ("{self}已责令养殖场停止排污并限期整改，同时对河道进行了清理。",
         "已对沿河排污口进行截污，河道清淤工程正在推进。"),
        "河道治理", ("environment", "water"), 0.4,
    ),
    Topic(
        "elderly_centre", "town", "town", 0.8, {"suggestion": 3, "opinion": 1},
        ("建议在{village}村建一个老年人活动中心", "村里老人没地方活动", "关于完善农村养老服务的建议"),
        ("{village}村六十岁以上的老人有两百多人，年轻人大多外出打工，老人平时没有地方聚会活动。",
         "村里原来的祠堂年久失修，闲置的村小学校舍也一直空着。"),
        ("建议利用闲置校舍改建老年人活动中心。", "希望镇里给予支持。"),
        ("经了解，该村闲置校舍产权属村集体所有，具备改造条件。",),
        ("{self}已将该村纳入居家养老服务站点建设计划，将争取资金进行改造。",),
        "养老服务", ("civil-affairs", "culture"), 0.2,
    ),
    Topic(
        "pig_farm", "town", "town", 1.0, {"complaint": 4},
        ("{village}村附近养猪场臭气扰民", "养殖场臭味太大了", "反映违规养殖污染问题"),
        ("{village}村附近有一家养猪场，离住户不到两百米，一到晚上臭味特别大。",
         "养殖污水直接流进农田，庄稼都受影响了。", "村民多次反映都没有解决。"),
        ("请依法查处。", "希望能让养猪场搬走。"),
        ("经查，该养殖场位于禁养区外，但粪污处理设施运行不正常。",),
        ("{self}已会同有关部门责令养殖场整改，整改完成前暂停补栏。",
         "养殖场已完成粪污处理设施升级，将继续跟踪监测。"),
        "养殖污染", ("environment", "agriculture"), 0.45,
    ),
    Topic(
        "enrollment", "edu", "county_department", 2.0, {"consultation": 5, "opinion": 1},
        ("孩子今年读一年级，户籍不在县城可以报名吗？", "关于{school}招生片区的咨询", "随迁子女入学需要什么材料？"),
        ("我们一家在县城租房住了三年，孩子今年满六周岁，户口还在{town}老家。",
         "想咨询一下在县城读小学需要准备哪些材料，什么时候报名。",
         "听说{school}今年调整了招生片区，不知道我们小区划到哪个学校。"),
        ("请告知具体政策。", "谢谢解答。"),
        (), (), "教育", (), 0.05,
        ("根据今年的义务教育招生工作方案，随迁子女可凭居住证明、监护人工作证明等材料在规定时间内网上报名，由教育部门统筹安排学位。",
         "各校招生片区已在县教育局网站公布，报名时间为七月上旬，请留意学校发布的招生公告。"),
    ),
    Topic(
        "school_traffic", "edu", "county_department", 1.2, {"suggestion": 3, "complaint": 2},
        ("{school}门口上下学时段交通拥堵", "建议在学校门口设置护学岗", "接送孩子的车把路都堵死了"),
        ("每天早上七点半和下午五点左右，{school}门口的{road}堵得水泄不通。",
         "家长的车辆乱停乱放，孩子们只能在车缝里穿行，非常危险。"),
        ("建议设置临时停车区和护学岗。", "希望交警在高峰时段来疏导。"),
        ("经实地查看，该校门口道路狭窄，上下学时段车流集中。",),
        ("已协调交警部门在上下学高峰时段设置护学岗，并在学校周边施划临时停车位。",
         "学校已实行错峰放学，并倡导家长绿色出行。"),
        "校园安全", ("police", "transport"), 0.3,
    ),
    Topic(
        "tutoring", "edu", "county_department", 0.8, {"complaint": 4},
        ("反映在职教师有偿补课", "老师暗示学生去校外补习班", "{school}有老师周末办补习班"),
        ("{school}有老师在周末和假期组织学生到校外补课，每节课收费一百多元。",
         "不去补课的学生上课时会被冷落，家长敢怒不敢言。"),
        ("请教育局调查处理。", "希望严肃查处。"),
        ("经调查，{school}一名教师存在参与校外有偿补课的行为。",
         "经调查核实，暂未发现网民反映的有偿补课行为，但学校存在宣传提醒不够的问题。"),
        ("{self}已责令学校对涉事教师进行批评教育并作出相应处理，同时在全县开展专项整治。",
         "已要求学校公开举报渠道，并加强师德师风日常监督。"),
        "师德师风", (), 0.1,
    ),
    Topic(
        "property_management", "housing", "county_department", 2.0, {"complaint": 5},
        ("{estate}物业服务太差", "{estate}电梯经常坏，物业不管", "物业收费不合理"),
        ("{estate}的物业公司收费年年涨，服务却越来越差，电梯隔三岔五就坏。",
         "小区里的绿化带杂草丛生，地下车库漏水也没人管。", "业主多次找物业协商，物业总是推脱。"),
        ("请主管部门督促物业整改。", "希望依法监管。"),
        ("经查，该小区物业公司存在设施维护不及时、收费公示不规范等问题。",),
        ("{self}已约谈物业公司负责人，责令限期维修电梯并公示收费标准，并将持续跟踪整改情况。",
         "已督促物业公司完成电梯维保和车库防水维修，并指导业主依法成立业主委员会。"),
        "物业管理", ("market",), 0.2,
    ),
    Topic(
        "property_certificate", "housing", "county_department", 1.2, {"complaint": 4, "consultation": 1},
        ("{estate}交房多年办不了房产证", "买房五年了还没拿到不动产权证", "反映商品房办证难问题"),
        ("我们是{estate}的业主，房子交付已经{duration}了，开发商一直拖着不给办证。",
         "孩子上学、贷款都需要不动产权证，业主们非常着急。", "开发商说是因为土地款没交清，但业主的钱早就付了。"),
        ("恳请政府出面协调解决。", "希望给业主一个明确的时间表。"),
        ("经查，该项目因开发商欠缴相关税费，暂未完成竣工验收备案。",
         "经核实，该项目存在历史遗留问题，涉及规划变更和土地出让金补缴。"),
        ("{self}已会同自然资源、税务等部门召开协调会，督促开发商限期补缴，并开通办证绿色通道。",
         "目前已完成首批业主的不动产登记，其余业主将分批办理。"),
        "房地产管理", ("natural-resources", "tax"), 0.7,
    ),
    Topic(
        "night_construction", "housing", "county_department", 1.5, {"complaint": 5},
        ("{road}工地夜间施工噪音扰民", "半夜还在打桩，没法睡觉", "{estate}旁边的工地天天加班施工"),
        ("{estate}旁边的建筑工地{night}还在施工，打桩机和搅拌车的声音震耳欲聋。",
         "家里有老人和小孩，已经连续好几晚睡不好觉。", "白天施工我们能理解，可是半夜施工实在太过分了。"),
        ("请依法查处。", "希望限制夜间施工时间。"),
        ("经执法人员夜间巡查，该工地存在未经许可夜间施工的行为。",),
        ("{self}已对施工单位进行立案处理，责令其严格遵守作业时间，确需连续作业的须依法申请并公示。",
         "已约谈施工单位，要求其调整作业时间并采取降噪措施。"),
        "建筑施工", ("environment", "urban"), 0.3,
    ),
    Topic(
        "old_estate", "housing", "county_department", 0.8, {"suggestion": 3, "consultation": 2},
        ("老旧小区改造什么时候轮到我们？", "建议将{estate}纳入老旧小区改造", "关于老旧小区加装电梯的咨询"),
        ("{estate}建于上世纪九十年代，外墙脱落，水管老化，经常停水。",
         "小区里住的大多是老年人，爬楼梯很吃力，想了解加装电梯的政策。"),
        ("希望尽快纳入改造计划。", "请告知申请流程。"),
        ("经核查，该小区符合老旧小区改造条件。",),
        ("{self}已将该小区列入下一年度改造储备项目，届时将征求居民意见。",),
        "城镇老旧小区改造", (), 0.2,
        ("既有住宅加装电梯需经本单元业主协商一致，由业主委员会或业主代表向住建部门提出申请，可按规定申请补助资金。",),
    ),
    Topic(
        "hukou", "police", "county_department", 1.2, {"consultation": 5},
        ("户口迁移需要什么手续？", "关于新生儿落户的咨询", "身份证丢了在哪里补办？"),
        ("我在县城买了房，想把户口从{town}迁到县城，不知道要准备哪些材料。",
         "孩子刚出生，想咨询一下上户口需要哪些证件，可以网上办理吗？", "身份证丢失了，急着用，想问问多久能拿到新证。"),
        ("谢谢解答。", "请告知办理流程。"),
        (), (), "户籍管理", (), 0.0,
        ("购房落户需携带不动产权证、户口簿及本人身份证到县公安局户政窗口办理，也可通过政务服务平台预约。",
         "新生儿落户可凭出生医学证明、父母户口簿和结婚证在户籍所在地派出所办理，手续齐全的当场办结。",
         "补领居民身份证可到任一户政窗口办理，一般二十个工作日内制证完成，急用的可申请临时身份证。"),
    ),
    Topic(
        "motorbike_racing", "police", "county_department", 1.2, {"complaint": 5},
        ("{road}深夜有人飙车", "改装摩托车炸街噪音扰民", "半夜飙车太危险了"),
        ("最近{night}，总有一群年轻人骑着改装摩托车在{road}上飙车，轰鸣声很大。",
         "附近居民被吵得睡不着觉，而且车速很快，很容易出事故。"),
        ("请交警加强夜间巡查。", "希望严厉打击。"),
        ("经查，{road}夜间确有改装车辆聚集飙车的情况。",),
        ("{self}已在该路段开展夜间专项整治，查处改装摩托车多辆，并将持续开展巡逻。",),
        "道路交通安全", ("transport",), 0.1,
    ),
    Topic(
        "traffic_signals", "police", "county_department", 0.8, {"suggestion": 4},
        ("建议在{road}路口增设红绿灯", "{road}与{road2}交叉口太危险", "关于优化红绿灯时长的建议"),
        ("{road}与{road2}交叉口车流量很大，但没有信号灯，经常发生刮擦事故。",
         "这个路口的左转灯时间太短，每次都要等两三轮才能通过。"),
        ("建议尽快增设信号灯。", "建议调整配时。"),
        ("经实地观测，该路口高峰时段车流量较大，现有交通组织方式不能满足需要。",),
        ("已将该路口信号灯建设纳入计划，并已调整相邻路口的配时方案。",
         "{self}会同交通部门完成了路口渠化设计，信号灯将于近期安装。"),
        "交通管理", ("transport",), 0.3,
    ),
    Topic(
        "bus_route", "transport", "county_department", 1.2, {"suggestion": 4, "complaint": 1},
        ("建议开通县城到{town}的公交线路", "{village}村没有公交车", "公交车班次太少"),
        ("{town}到县城只有几班中巴，下午四点以后就没车了，上班和上学的人很不方便。",
         "{village}村离最近的公交站有三公里，老人去县城看病只能搭摩托车。"),
        ("建议增加班次。", "希望延伸公交线路。"),
        ("经调查，该线路客流在早晚时段较为集中，现有班次不能满足需求。",),
        ("{self}已协调公交公司在早晚高峰增加班次，并将研究延伸线路至{village}村。",
         "已将该线路纳入城乡公交一体化规划，届时将统筹安排。"),
        "城乡公交", ("town",), 0.2,
    ),
    Topic(
        "bridge_repair", "transport", "county_department", 0.8, {"complaint": 3, "suggestion": 1},
        ("{village}村的桥出现裂缝", "危桥什么时候改造？", "反映{town}一座桥梁安全隐患"),
        ("{village}村进村的桥建了几十年，桥面出现了明显裂缝，护栏也断了几处。",
         "每天有很多学生和农用车经过，大家都担心出事。"),
        ("请尽快检测维修。", "希望限制重车通行。"),
        ("经技术人员检测，该桥梁评定为四类桥，需进行加固改造。",),
        ("{self}已在桥头设置限载标志和警示牌，加固工程已完成招标，近期开工。",),
        "公路桥梁", ("town",), 0.6,
    ),
    Topic(
        "illegal_taxi", "transport", "county_department", 0.7, {"complaint": 4},
        ("车站门口黑车拉客", "非法营运摩的太多", "汽车站周边秩序混乱"),
        ("县汽车站门口每天都有很多黑车和摩的在拉客，强行拉人上车，乱要价。",
         "外地来的旅客经常被宰，影响县城形象。"),
        ("请加强整治。",),
        ("经查，汽车站周边确实存在非法营运车辆揽客现象。",),
        ("{self}已联合公安交警开展专项整治，查扣非法营运车辆，并在站前设置了出租车候客区。",),
        "运输市场", ("police",), 0.2,
    ),
    Topic(
        "hospital_queue", "health", "county_department", 1.2, {"opinion": 3, "complaint": 2},
        ("{hospital}看病排队太久", "关于改善{hospital}就医体验的意见", "医院挂号难、缴费难"),
        ("带老人去{hospital}看病，挂号、候诊、缴费、拿药每个环节都要排长队，一上午才看完一个科室。",
         "医院的自助机经常出故障，很多老人不会用手机预约。"),
        ("建议增加窗口和导诊人员。", "希望优化就医流程。"),
        ("经了解，该院门诊量近年来增长较快，高峰时段候诊时间偏长。",),
        ("{self}已督促医院增设便民服务窗口，推行分时段预约，并安排志愿者为老年人提供导诊服务。",),
        "医疗服务", (), 0.1,
    ),
    Topic(
        "vaccination", "health", "county_department", 0.7, {"consultation": 5},
        ("宝宝打疫苗需要预约吗？", "关于九价疫苗接种的咨询", "{town}卫生院可以打疫苗吗？"),
        ("孩子快满三个月了，想问一下接种疫苗需要提前预约吗，在哪里可以打。",
         "听说县里有九价疫苗，想咨询一下预约方式和接种条件。"),
        ("谢谢！", "请告知。"),
        (), (), "预防接种", (), 0.0,
        ("儿童常规疫苗可在户籍或居住地所属的接种门诊接种，建议通过接种门诊公布的方式提前预约。",
         "非免疫规划疫苗按自愿自费原则接种，具体到货情况以各接种门诊公告为准。"),
    ),
    Topic(
        "pension", "hrss", "county_department", 1.5, {"consultation": 5, "complaint": 1},
        ("养老保险断缴了能补缴吗？", "灵活就业人员怎么参加养老保险？", "退休金什么时候调整？"),
        ("我以前在外地打工交过几年社保，回来以后断了，现在想接着交，不知道能不能补缴。",
         "我今年五十八岁，城乡居民养老保险交了十年，想问问到时候每个月能领多少钱。"),
        ("请告知办理流程。", "谢谢解答。"),
        (), (), "社会保险", (), 0.05,
        ("灵活就业人员可凭身份证到县社保经办大厅或通过网上平台办理参保登记，缴费基数可在规定范围内自行选择。",
         "跨省转移接续养老保险关系，可通过国家社会保险公共服务平台申请，无需往返两地办理。"),
    ),
    Topic(
        "wage_arrears", "hrss", "county_department", 1.2, {"complaint": 5},
        ("{road}工地拖欠农民工工资", "干了半年活拿不到工钱", "请帮我们讨回血汗钱"),
        ("我们一批工人在{road}的一个工地干活，包工头拖欠工资已经{duration}了，总共二十多人。",
         "找项目部，项目部说钱已经给了包工头，包工头电话也不接了。", "快过年了，家里等着钱用。"),
        ("恳请有关部门帮忙追讨。", "希望依法处理。"),
        ("经劳动保障监察大队调查，该项目确实存在拖欠农民工工资的问题。",),
        ("{self}已责令总承包单位先行垫付工资，目前拖欠工资已全部发放到位。",
         "已对该项目立案调查，并督促建设单位从工资专用账户支付欠薪。"),
        "劳动保障", ("housing",), 0.55,
    ),
    Topic(
        "land_compensation", "natural-resources", "county_department", 0.8, {"complaint": 4, "consultation": 1},
        ("{village}村征地补偿款迟迟未发", "关于征地补偿标准的疑问", "土地被征用了钱还没到账"),
        ("去年{village}村的一块耕地被征用修路，说好的补偿款到现在还没发到村民手上。",
         "想了解一下征地补偿的标准是怎么定的，为什么和邻村不一样。"),
        ("希望公开补偿标准，尽快发放。",),
        ("经核查，该项目征地补偿款已拨付至镇财政所，因部分地块权属存在争议，暂未全部发放。",),
        ("{self}已会同镇政府对争议地块进行确权，无争议部分补偿款已发放到户。",),
        "征地补偿", ("town",), 0.7,
    ),
    Topic(
        "food_safety", "market", "county_department", 1.0, {"complaint": 5},
        ("{road}一家餐馆卫生太差", "在夜宵摊吃坏了肚子", "反映小作坊食品安全问题"),
        ("{road}有一家快餐店后厨脏乱，餐具不消毒，员工也不戴口罩。",
         "前几天在{estate}附近的夜宵摊吃完东西，一家人都拉肚子。"),
        ("请监管部门检查。", "希望严肃处理。"),
        ("经执法人员现场检查，该店存在后厨卫生不达标、从业人员健康证过期等问题。",),
        ("{self}已责令该店停业整改，并依法予以立案处罚。", "已责令整改，复查时已整改到位，将加强日常监管。"),
        "食品安全", (), 0.1,
    ),
    Topic(
        "gas_price", "market", "county_department", 0.6, {"complaint": 3, "consultation": 1},
        ("液化气价格涨得太离谱", "反映商家价格欺诈", "{town}的液化气比县城贵"),
        ("{town}的液化气一瓶比县城贵了十几块，问店家说是运费，也不明码标价。",),
        ("请查一查是否存在价格违法行为。",),
        ("经检查，该经营点存在未明码标价的问题。",),
        ("{self}已责令其改正并予以警告，同时对全县液化气经营点开展价格专项检查。",),
        "价格监管", (), 0.1,
    ),
    Topic(
        "illegal_building", "urban", "county_department", 1.5, {"complaint": 5},
        ("{estate}楼顶违章搭建", "反映{road}有人违建", "小区里有人私自扩建"),
        ("{estate}有住户在楼顶加盖了铁皮房，还有人把一楼花园围起来建成了房间。",
         "违建影响了小区的安全和美观，物业管不了。", "{road}路边有人在绿化带上搭建铁皮棚做生意。"),
        ("请依法拆除。", "希望执法部门尽快处理。"),
        ("经执法人员现场核查，网民反映的搭建行为未取得规划许可，属违法建设。",),
        ("{self}已下达限期拆除通知书，当事人已自行拆除。", "已依法立案，将按程序予以拆除。"),
        "违法建设", ("town", "housing"), 0.3,
    ),
    Topic(
        "square_dance", "culture", "county_department", 1.0, {"complaint": 4, "suggestion": 1},
        ("广场舞音响声音太大", "{estate}旁边的广场晚上太吵", "建议规范广场舞活动时间"),
        ("{estate}旁边的文化广场每天晚上都有人跳广场舞，音响开得震天响，一直到九点多。",
         "学生在家写作业、老人休息都受影响。"),
        ("请管理一下音量和时间。", "希望协调解决。"),
        ("经查，该广场有多个健身队伍同时活动，音响音量偏大。",),
        ("{self}已与健身队负责人沟通，约定活动时间和音量，并在广场张贴文明健身提示。",),
        "文体活动", ("police",), 0.1,
    ),
    Topic(
        "library_hours", "culture", "county_department", 0.5, {"suggestion": 4},
        ("建议图书馆延长开放时间", "县体育馆能否免费开放？", "关于增加农家书屋图书的建议"),
        ("县图书馆下午五点半就关门了，上班族根本没时间去。",
         "县体育馆平时大门紧锁，周边居民想锻炼只能在马路上跑步。"),
        ("建议晚上和周末开放。",),
        ("经研究，现有场馆具备延时开放的条件。",),
        ("{self}已调整开放时间，自下月起周末全天开放，工作日延长至晚上九点。",),
        "公共文化服务", (), 0.05,
    ),
    Topic(
        "factory_emissions", "environment", "county_department", 1.0, {"complaint": 5},
        ("{town}工业区工厂排放刺鼻气体", "晚上闻到很大的化学品味道", "反映工厂偷排废气"),
        ("{town}工业区有家工厂一到晚上就排放刺鼻的气体，附近村民闻了头晕恶心。",
         "白天好一点，晚上特别严重，怀疑是趁夜间偷排。"),
        ("请环保部门夜间突击检查。", "希望严肃查处。"),
        ("经执法人员夜间突击检查，该企业废气处理设施未正常运行。",
         "经监测，该企业排放的废气指标未超标，但无组织排放收集不到位。"),
        ("{self}已依法立案查处，责令企业停产整改，整改完成并经监测达标后方可复产。",
         "已责令企业完善废气收集设施，并将其列入重点监管名单。"),
        "大气污染防治", ("town",), 0.35,
    ),
    Topic(
        "low_income", "civil-affairs", "county_department", 0.8, {"consultation": 4, "complaint": 1},
        ("低保怎么申请？", "关于高龄津贴发放的咨询", "家里困难能申请救助吗？"),
        ("我家里老人常年生病，我又没有固定工作，想问问能不能申请低保，需要什么材料。",
         "我父亲今年八十岁了，听说有高龄津贴，想问问怎么领。"),
        ("谢谢！", "请告知办理流程。"),
        (), (), "社会救助", ("town",), 0.1,
        ("申请最低生活保障可向户籍所在地镇政府提出，经入户调查、民主评议和公示后审批，具体材料可到镇社会事务办咨询。",
         "年满八十周岁的老人可凭身份证、户口簿到户籍所在地村（居）委会申请高龄津贴，审核通过后按月发放。"),
    ),
    Topic(
        "farm_subsidy", "agriculture", "county_department", 0.7, {"consultation": 4, "complaint": 1},
        ("耕地地力保护补贴什么时候发？", "种粮补贴标准是多少？", "{village}村的农业补贴没收到"),
        ("今年的耕地地力保护补贴到现在还没到账，往年这个时候都发了。",
         "我承包了几十亩地种水稻，想了解有没有种粮大户补贴。"),
        ("请告知发放时间。",),
        ("经核查，今年补贴资金已下达，因部分农户账户信息变更导致发放延迟。",),
        ("{self}已督促镇农业办核对账户信息，补贴资金已发放到位。",),
        "农业补贴", ("town",), 0.1,
        ("耕地地力保护补贴按确权面积发放，今年的补贴资金预计在下月发放到农户一卡通账户。",),
    ),
    Topic(
        "water_outage", "water", "county_department", 1.2, {"complaint": 4, "consultation": 1},
        ("{estate}经常停水", "{town}自来水发黄", "停水不提前通知"),
        ("{estate}这个月已经停了三次水，每次都没有提前通知，居民生活很不方便。",
         "{town}的自来水最近有时候发黄，烧开了还有沉淀，不敢给孩子喝。"),
        ("请查明原因。", "希望以后停水提前通知。"),
        ("经查，停水系供水管网维修所致，供水公司未按规定提前公告。",
         "经取样检测，出厂水水质符合标准，水色发黄为管网老化所致。"),
        ("{self}已责令供水公司规范停水公告，并加快老旧管网改造。", "已对该片区管网进行冲洗，水质已恢复正常。"),
        "城乡供水", ("town", "housing"), 0.3,
    ),
    Topic(
        "power_cuts", "power", "vertical_unit", 1.5, {"complaint": 5},
        ("{village}村经常停电", "电压不稳，电器都烧坏了", "天这么热一天停几次电"),
        ("这段时间{village}村几乎每天都停电，有时候一天停好几次，冰箱里的东西都坏了。",
         "晚上电压低，空调开不了，灯也忽明忽暗。"),
        ("请供电部门尽快解决。", "希望改造线路。"),
        ("经查，该村变压器容量不足，用电高峰时段负荷过重。",),
        ("{self}已在该村新增一台变压器并更换老旧线路，供电已恢复稳定。",
         "已安排抢修人员对故障线路进行检修，台区改造已列入今年计划。"),
        "电力供应", ("town",), 0.25,
    ),
    Topic(
        "tax_invoice", "tax", "vertical_unit", 0.7, {"consultation": 5},
        ("个体户怎么开发票？", "个人所得税汇算清缴咨询", "小规模纳税人减免政策咨询"),
        ("我在{town}开了一家小店，客户要求开发票，不知道个体户怎么申请开票。",
         "想咨询一下个人所得税年度汇算怎么操作，退税多久能到账。"),
        ("谢谢！",),
        (), (), "税收服务", (), 0.0,
        ("个体工商户可通过电子税务局申领发票，也可到办税服务厅办理，首次申领需完成实名认证。",
         "年度汇算可通过个人所得税应用办理，审核通过后退税一般在一个月内到账。"),
    ),
    Topic(
        "mobile_signal", "mobile", "vertical_unit", 1.0, {"complaint": 4, "suggestion": 1},
        ("{village}村手机信号太差", "宽带经常断网", "被莫名其妙扣了话费"),
        ("{village}村在山脚下，手机信号时有时无，打个电话要跑到村口。",
         "家里的宽带这个月断了好几次，报修后一直没人上门。", "这个月话费里多了一项增值业务，我从来没有订过。"),
        ("请尽快解决。", "希望退还费用。"),
        ("经测试，该村确实存在信号覆盖弱的问题。", "经核查，该业务系误订，已为用户退订。"),
        ("{self}已将该村纳入基站建设计划，并临时调整了周边基站参数。", "已为用户办理退订并退还相关费用。"),
        "通信服务", (), 0.1,
    ),
    Topic(
        "parcel_delivery", "post", "vertical_unit", 0.7, {"complaint": 4},
        ("快递到了{town}就不送了", "包裹被放在小卖部还要收费", "邮件投递太慢"),
        ("网上买的东西到了{town}以后，快递员不送上门，只放在镇上的代收点，取件还要收钱。",
         "寄到{village}村的邮件要一个星期才收到。"),
        ("希望规范投递服务。",),
        ("经核查，部分代收点存在违规收费的问题。",),
        ("{self}已责令代收点停止收费，并在该村设立村级寄递服务点。",),
        "寄递服务", (), 0.1,
    ),
    Topic(
        "tobacco_minors", "tobacco", "vertical_unit", 0.4, {"complaint": 4, "consultation": 1},
        ("学校附近商店向未成年人卖烟", "{school}旁边的小卖部卖烟给学生"),
        ("{school}旁边的几家小卖部公开向穿校服的学生卖烟。",),
        ("请加强监管。",),
        ("经执法人员检查，一家经营户存在向未成年人售烟的行为。",),
        ("{self}已依法予以处理，并对学校周边卷烟零售户开展专项检查。",),
        "烟草专卖", (), 0.05,
    ),
)


def pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]


def slot_values(rng: random.Random, town: str) -> dict[str, str]:
    """Draw the place names and durations a letter's texts refer to."""
    road, road2 = rng.sample(ROADS, 2)
    values = {
        "town": town,
        "village": pick(rng, VILLAGES),
        "estate": pick(rng, ESTATES),
        "road": road,
        "road2": road2,
        "duration": pick(rng, DURATIONS),
        "night": pick(rng, NIGHT_TIMES),
    }
    values["school"] = pick(rng, SCHOOLS).format(town=town)
    values["hospital"] = pick(rng, HOSPITALS).format(town=town)
    return values


def author_name(rng: random.Random) -> str:
    name = pick(rng, NICKNAMES)
    suffix = rng.random()
    if suffix < 0.45:
        return f"{name}{rng.randrange(10, 10000)}"
    if suffix < 0.6:
        return f"{name}_{rng.choice('abcdefghkmnpqrstwxyz')}{rng.choice('abcdefghkmnpqrstwxyz')}"
    return name


def letter_text(rng: random.Random, topic: Topic, letter_type: str, channel: str, values: dict,
                follow_up: str | None) -> tuple[str, str]:
    """Write a letter's title and body; ``follow_up`` is the id of an earlier letter on the matter."""
    title = pick(rng, topic.titles).format_map(values)
    # The first fact sets the scene, so it always leads; the others follow in their written order.
    extra = sorted(rng.sample(range(1, len(topic.facts)), rng.randrange(len(topic.facts))))
    chosen = [topic.facts[index] for index in [0, *extra]]
    first = pick(rng, CHANNEL_OPENINGS[channel])
    parts = [first + "".join(chosen).format_map(values)]
    if follow_up:
        title = "再次反映：" + title
        parts.append(f"这个问题我之前已经反映过（{follow_up}），当时说会处理，可到现在还是老样子。")
    ask = pick(rng, topic.asks)
    closing = pick(rng, SUGGESTION_CLOSINGS if letter_type == "suggestion" else CLOSINGS)
    parts.append((ask + closing).strip())
    return title, "\n".join(part for part in parts if part)


def _self_name(department_name: str) -> str:
    if department_name.endswith("镇"):
        return "我镇"
    if department_name.endswith("公司"):
        return "我公司"
    if department_name.endswith("局"):
        return "我局"
    return "我单位"


def final_reply(rng: random.Random, topic: Topic, letter_type: str, department_name: str, phone: str | None,
                values: dict, lead: bool = True) -> str:
    """Write a final reply in the tone of a department's spokesperson office."""
    own = _self_name(department_name)
    values = {**values, "self": own, "subject": topic.subject, "phone": phone or ""}
    parts = [pick(rng, REPLY_OPENINGS)]
    if letter_type == "consultation" and topic.answers:
        parts.append(pick(rng, topic.answers))
    elif letter_type == "suggestion" and (not topic.findings or rng.random() < 0.5):
        parts.append(pick(rng, SUGGESTION_REPLIES))
    else:
        parts.append(pick(rng, REPLY_CHECKS))
        if topic.findings:
            parts.append(pick(rng, topic.findings))
        if topic.actions:
            parts.append(pick(rng, topic.actions))
        elif topic.answers:
            parts.append(pick(rng, topic.answers))
    if phone and rng.random() < 0.4:
        parts.append(pick(rng, PHONE_LINES))
    parts.append(pick(rng, REPLY_CLOSINGS))
    return "".join(parts).format_map(values)


def interim_reply(rng: random.Random, department_name: str) -> str:
    return pick(rng, INTERIM_REPLIES).format(self=_self_name(department_name))


def cohandler_reply(rng: random.Random, department_name: str) -> str:
    return pick(rng, COHANDLER_REPLIES).format(self=_self_name(department_name))


def redo_reply(rng: random.Random, department_name: str) -> str:
    return pick(rng, REDO_REPLIES).format(self=_self_name(department_name))


def extension_reason(rng: random.Random) -> str:
    return pick(rng, EXTENSION_REASONS)


def supervision_note(rng: random.Random) -> str:
    return pick(rng, SUPERVISION_NOTES)


def redo_reason(rng: random.Random) -> str:
    return pick(rng, REDO_REASONS)
