#!/usr/bin/env python3
"""Rebuild data/observed/power_plants.geojson from the WRI Global Power Plant Database.

Source: WRI Global Power Plant Database v1.3.0 (CC BY 4.0), file
raw_source_files/WRI/China.csv of github.com/wri/global-power-plant-database at
commit 7a91cfbb2a4e272597acbc00506d61fc1ec73b3d ("Update version to 1.3.0").

Usage (from the repository root):
    python3 data/observed/fetch_power_plants.py \
        --jurisdictions data/demo/jurisdictions.geojson.gz \
        --sea data/demo/sea.geojson.gz \
        --out data/observed/power_plants.geojson [--csv /path/to/China.csv]

Without --csv the CSV is downloaded from raw.githubusercontent.com at the pinned
commit; either way its SHA-256 must match (use --allow-other-csv to skip the check).
Needs Python >= 3.8 and shapely >= 2.0 only. Output is deterministic (sorted by id).
Rules (fuel -> type, location check, near_border) are documented in README.md.
"""
import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import re
import sys
import urllib.request

import shapely
from shapely import STRtree
from shapely.geometry import Point, box, shape
from shapely.ops import unary_union

COMMIT = "7a91cfbb2a4e272597acbc00506d61fc1ec73b3d"
CSV_PATH = "raw_source_files/WRI/China.csv"
CSV_URL = "https://raw.githubusercontent.com/wri/global-power-plant-database/%s/%s" % (COMMIT, CSV_PATH)
CSV_SHA256 = "78074ad5352dcd6098154dd7ead40981f74c4b4b0a151d8328feb0b4f596b9a0"
SOURCE_PREFIX = "WRI GPPD v1.3.0 China.csv %s" % COMMIT[:7]
NEAR_BORDER_M = 1000.0
SEA_TOLERANCE_DEG = 0.02  # GCJ-02 county coast vs WGS84 sea: offsets are < 600 m

# ---------------------------------------------------------------- fuel -> type
OIL = {"Diesel", "Fuel Oil", "Distillate Oil", "Heavy Fuel Oil", "Oil"}
GAS = {"Natural Gas", "LNG", "Coal Mine Methane"}
SIMPLE = {"Coal": "coal_power", "Nuclear": "nuclear_power", "Hydro": "hydro_power",
          "Solar": "solar_power", "Wind": "wind_power", "Biomass": "biomass_power"}
INCINERATION_WORDS = re.compile(r"incinerat|waste combustion|municipal waste|municipal solid waste|\bmsw\b|waste-to-energy|垃圾焚烧", re.I)
LANDFILL_WORDS = re.compile(r"landfill gas|填埋气", re.I)
BIOMASS_WORDS = re.compile(r"biomass|straw|生物质|秸秆", re.I)


def plant_type(fuel, tech, name):
    """Map WRI China.csv Fuel / Generator Technology / Name to a borderscape facility type."""
    if fuel == "Landfill gas":
        # China.csv files both landfill-gas engines and MSW incinerators under "Landfill gas".
        if INCINERATION_WORDS.search(name):
            return "waste_incineration"
        if LANDFILL_WORDS.search(name):
            return "landfill_gas"
        if tech == "MSW Combustion":
            return "waste_incineration"
        if tech == "Landfill power":
            return "landfill_gas"
        return "waste_incineration"
    if fuel == "Waste":  # not used in China.csv v1.3.0; kept for other inputs
        return "landfill_gas" if LANDFILL_WORDS.search(name) else "waste_incineration"
    if BIOMASS_WORDS.search(name) and fuel not in ("Coal", "Hydro", "Solar", "Wind", "Nuclear"):
        return "biomass_power"
    if fuel in SIMPLE:
        return SIMPLE[fuel]
    if fuel in GAS:
        return "gas_power"
    if fuel in OIL:
        return "oil_power"
    return "other_power"  # Geothermal, blank, anything new


# ---------------------------------------------------------------- gazetteer
# Romanised names of the 41 prefectures and of the counties/districts of the YRD
# (from the jurisdictions file, pinyin with the administrative suffix dropped; polyphones
# corrected by hand; one-syllable county names take "xian"), plus a few well-known plant
# sites and landmarks named in WRI plant names -> prefecture code(s).
GAZ = {
    'anji': '330500',
    'anqing': '340800',
    'bagongshan': '340400',
    'banshan': '330100',
    'baohe': '340100',
    'baoshan': '310100',
    'baoying': '321000',
    'beilun': '330200',
    'bengbu': '340300',
    'bengshan': '340300',
    'binhai': '320900',
    'binhu': '320200',
    'binjiang': '330100',
    'bowang': '340500',
    'bozhou': '341600',
    'cangnan': '330300',
    'caojing': '310100',
    'changfeng': '340100',
    'changning': '310100',
    'changshan': '330800',
    'changshu': '320500',
    'changxing': '330500',
    'changzhou': '320400',
    'chaohu': '340100',
    'chizhou': '341700',
    'chongchuan': '320600',
    'chongming': '310100',
    'chunan': '330100',
    'chuzhou': '341100',
    'cixi': '330200',
    'dachen': '331000',
    'dafeng': '320900',
    'daguan': '340800',
    'daishan': '330900',
    'dangshan': '341300',
    'dangtu': '340500',
    'dantu': '321100',
    'danyang': '321100',
    'datong': '340400',
    'deqing': '330500',
    'dinghai': '330900',
    'dingyuan': '341100',
    'donghai': '320700',
    'dongling': '320600',
    'dongtai': '320900',
    'dongtou': '330300',
    'dongyang': '330700',
    'dongzhi': '341700',
    'duji': '340600',
    'fanchang': '340200',
    'feidong': '340100',
    'feixi': '340100',
    'fenghua': '330200',
    'fengtai': '340400',
    'fengxian': '310100 320300',
    'fengyang': '341100',
    'fuchunjiang': '330100',
    'funan': '341200',
    'funing': '320900',
    'fuyang': '330100 341200',
    'ganyu': '320700',
    'gaochun': '320100',
    'gaogang': '321200',
    'gaoyou': '321000',
    'gongshu': '330100',
    'guangde': '341800',
    'guangling': '321000',
    'guannan': '320700',
    'guanyun': '320700',
    'guichi': '341700',
    'gulou': '320100 320300',
    'guoyang': '341600',
    'gusu': '320500',
    'guzhen': '340300',
    'haian': '320600',
    'hailing': '321200',
    'haimen': '320600',
    'haining': '330400',
    'haishu': '330200',
    'haiyan': '330400',
    'haizhou': '320700',
    'hangzhou': '330100',
    'hanjiang': '321000',
    'hanshan': '340500',
    'hefei': '340100',
    'hexian': '340500',
    'hongkou': '310100',
    'hongze': '320800',
    'huaian': '320800',
    'huaibei': '340600',
    'huainan': '340400',
    'huaining': '340800',
    'huaishang': '340300',
    'huaiyin': '320800',
    'huaiyuan': '340300',
    'huangang': '320600',
    'huangpu': '310100',
    'huangshan': '341000',
    'huangyan': '331000',
    'huashan': '340500',
    'huishan': '320200',
    'huizhou': '341000',
    'hunanzhen': '330800',
    'huoqiu': '341500',
    'huoshan': '341500',
    'huqiu': '320500',
    'huzhou': '330500',
    'jiading': '310100',
    'jianbi': '321100',
    'jiande': '330100',
    'jiangbei': '330200',
    'jiangdu': '321000',
    'jiangning': '320100',
    'jiangshan': '330800',
    'jiangyan': '321200',
    'jiangyin': '320200',
    'jianhu': '320900',
    'jianye': '320100',
    'jiaojiang': '331000',
    'jiashan': '330400',
    'jiawang': '320300',
    'jiaxing': '330400',
    'jieshou': '341200',
    'jinan': '341500',
    'jindong': '330700',
    'jingan': '310100',
    'jingde': '341800',
    'jinghu': '340200',
    'jingjiang': '321200',
    'jingkou': '321100',
    'jingning': '331100',
    'jingxian': '341800',
    'jinhu': '320800',
    'jinhua': '330700',
    'jinling': '320100',
    'jinshan': '310100',
    'jinshuitan': '331100',
    'jintan': '320400',
    'jinyun': '331100',
    'jinzhai': '341500',
    'jiujiang': '340200',
    'jixi': '341800',
    'jurong': '321100',
    'kaihua': '330800',
    'kecheng': '330800',
    'keqiao': '330600',
    'kunshan': '320500',
    'laian': '341100',
    'langxi': '341800',
    'langya': '341100',
    'langyashan': '341100',
    'lanxi': '330700',
    'laogang': '310100',
    'liandu': '331100',
    'liangxi': '320200',
    'lianshui': '320800',
    'lianyun': '320700',
    'lianyungang': '320700',
    'lieshan': '340600',
    'linan': '330100',
    'lingang': '310100',
    'lingbi': '341300',
    'linhai': '331000',
    'linping': '330100',
    'linquan': '341200',
    'lishui': '320100 331100',
    'liuhe': '320100',
    'lixin': '341600',
    'liyang': '320400',
    'longgang': '330300',
    'longquan': '331100',
    'longwan': '330300',
    'longyou': '330800',
    'longzihu': '340300',
    'luan': '341500',
    'lucheng': '330300',
    'luhe': '320100',
    'lujiang': '340100',
    'luqiao': '331000',
    'lusigang': '320600',
    'luyang': '340100',
    'maanshan': '340500',
    'mengcheng': '341600',
    'mingguang': '341100',
    'minhang': '310100',
    'nanhu': '330400',
    'nanjing': '320100',
    'nanling': '340200',
    'nanqiao': '341100',
    'nanre': '320100',
    'nantong': '320600',
    'nanxun': '330500',
    'ningbo': '330200',
    'ningguo': '341800',
    'ninghai': '330200',
    'ouhai': '330300',
    'panan': '330700',
    'panji': '340400',
    'pansan': '340400',
    'peixian': '320300',
    'pinghu': '330400',
    'pingyang': '330300',
    'pizhou': '320300',
    'pudong': '310100',
    'pujiang': '330700',
    'pukou': '320100',
    'putuo': '310100 330900',
    'qianshan': '340800',
    'qiantang': '330100',
    'qiaocheng': '341600',
    'qidong': '320600',
    'qimen': '341000',
    'qingcaosha': '310100',
    'qingjiangpu': '320800',
    'qingpu': '310100',
    'qingtian': '331100',
    'qingyang': '341700',
    'qingyuan': '331100',
    'qinhuai': '320100',
    'qinshan': '330400',
    'qishuyan': '320400',
    'qixia': '320100',
    'quanjiao': '341100',
    'quanshan': '320300',
    'qujiang': '330800',
    'quzhou': '330800',
    'rudong': '320600',
    'rugao': '320600',
    'ruian': '330300',
    'runzhou': '321100',
    'sanmen': '331000',
    'shangcheng': '330100',
    'shanghai': '310100',
    'shangyu': '330600',
    'shaoxing': '330600',
    'shengsi': '330900',
    'shengzhou': '330600',
    'shexian': '341000',
    'sheyang': '320900',
    'sheyanggang': '320900',
    'shidongkou': '310100',
    'shitai': '341700',
    'shouxian': '340400',
    'shucheng': '341500',
    'shushan': '340100',
    'shuyang': '321300',
    'sihong': '321300',
    'sixian': '341300',
    'siyang': '321300',
    'songjiang': '310100',
    'songyang': '331100',
    'sucheng': '321300',
    'suichang': '331100',
    'suining': '320300',
    'suixi': '340600',
    'suqian': '321300',
    'susong': '340800',
    'suyu': '321300',
    'suzhou': '320500 341300',
    'taicang': '320500',
    'taihe': '341200',
    'taihu': '340800',
    'taishun': '330300',
    'taixing': '321200',
    'taizhou': '321200 331000',
    'tangkeng': '331100',
    'tianchang': '341100',
    'tianhuangping': '330500',
    'tianjiaan': '340400',
    'tianning': '320400',
    'tiantai': '331000',
    'tiantaishan': '331000',
    'tinghu': '320900',
    'tongcheng': '340800',
    'tongguan': '340700',
    'tongling': '340700',
    'tonglu': '330100',
    'tongshan': '320300',
    'tongxiang': '330400',
    'tongzhou': '320600',
    'tunxi': '341000',
    'waigaoqiao': '310100',
    'wangjiang': '340800',
    'wangting': '320500',
    'wanzhi': '340200',
    'wencheng': '330300',
    'wenling': '331000',
    'wenzhou': '330300',
    'wucheng': '330700',
    'wuhe': '340300',
    'wuhu': '340200',
    'wujiang': '320500',
    'wujin': '320400',
    'wujing': '310100',
    'wuwei': '340200',
    'wuxi': '320200',
    'wuxing': '330500',
    'wuyi': '330700',
    'wuzhong': '320500',
    'xiangcheng': '320500',
    'xiangshan': '330200 340600',
    'xiangshui': '320900',
    'xiangshuijian': '340200',
    'xianju': '331000',
    'xiaoshan': '330100',
    'xiaoxian': '341300',
    'xiejiaji': '340400',
    'xihu': '330100',
    'xinanjiang': '330100',
    'xinbei': '320400',
    'xinchang': '330600',
    'xinghua': '321200',
    'xinwu': '320200',
    'xinyi': '320300',
    'xishan': '320200',
    'xiuning': '341000',
    'xiuzhou': '330400',
    'xuancheng': '341800',
    'xuanwu': '320100',
    'xuanzhou': '341800',
    'xuhui': '310100',
    'xuyi': '320800',
    'xuzhou': '320300',
    'yancheng': '320900',
    'yandu': '320900',
    'yangpu': '310100',
    'yangshupu': '310100',
    'yangzhong': '321100',
    'yangzhou': '321000',
    'yaohai': '340100',
    'yeji': '341500',
    'yian': '340700',
    'yijiang': '340200',
    'yingdong': '341200',
    'yingjiang': '340800',
    'yingquan': '341200',
    'yingshang': '341200',
    'yingzhou': '341200',
    'yinzhou': '330200',
    'yiwu': '330700',
    'yixian': '341000',
    'yixing': '320200',
    'yixiu': '340800',
    'yizheng': '321000',
    'yongjia': '330300',
    'yongkang': '330700',
    'yongqiao': '341300',
    'yuan': '341500',
    'yuecheng': '330600',
    'yueqing': '330300',
    'yuexi': '340800',
    'yuhang': '330100',
    'yuhuan': '331000',
    'yuhuatai': '320100',
    'yuhui': '340300',
    'yunhe': '331100',
    'yunlong': '320300',
    'yushan': '340500',
    'yuyao': '330200',
    'zhabei': '310100',
    'zhangjiagang': '320500',
    'zhapu': '330400',
    'zhenghai': '330200',
    'zhenhai': '330200',
    'zhenjiang': '321100',
    'zhonglou': '320400',
    'zhoushan': '330900',
    'zhuji': '330600',
    'zongyang': '340700',
}

GAZ_ZH = {
    '三门县': '331000',
    '上城区': '330100',
    '上海市': '310100',
    '上虞区': '330600',
    '东台市': '320900',
    '东海县': '320700',
    '东至县': '341700',
    '东阳市': '330700',
    '丰县': '320300',
    '临安区': '330100',
    '临平区': '330100',
    '临泉县': '341200',
    '临海市': '331000',
    '丹徒区': '321100',
    '丹阳市': '321100',
    '丽水市': '331100',
    '义乌市': '330700',
    '义安区': '340700',
    '乐清市': '330300',
    '云和县': '331100',
    '云龙区': '320300',
    '五河县': '340300',
    '京口区': '321100',
    '亭湖区': '320900',
    '亳州市': '341600',
    '仙居县': '331000',
    '仪征市': '321000',
    '休宁县': '341000',
    '余姚市': '330200',
    '余杭区': '330100',
    '全椒县': '341100',
    '八公山区': '340400',
    '六合区': '320100',
    '六安市': '341500',
    '兰溪市': '330700',
    '兴化市': '321200',
    '凤台县': '340400',
    '凤阳县': '341100',
    '利辛县': '341600',
    '包河区': '340100',
    '北仑区': '330200',
    '南京市': '320100',
    '南浔区': '330500',
    '南湖区': '330400',
    '南谯区': '341100',
    '南通市': '320600',
    '南陵县': '340200',
    '博望区': '340500',
    '句容市': '321100',
    '台州市': '331000',
    '叶集区': '341500',
    '合肥市': '340100',
    '含山县': '340500',
    '启东市': '320600',
    '吴中区': '320500',
    '吴兴区': '330500',
    '吴江区': '320500',
    '和县': '340500',
    '响水县': '320900',
    '嘉兴市': '330400',
    '嘉善县': '330400',
    '嘉定区': '310100',
    '固镇县': '340300',
    '埇桥区': '341300',
    '大丰区': '320900',
    '大观区': '340800',
    '大通区': '340400',
    '天台县': '331000',
    '天宁区': '320400',
    '天长市': '341100',
    '太仓市': '320500',
    '太和县': '341200',
    '太湖县': '340800',
    '奉化区': '330200',
    '奉贤区': '310100',
    '如东县': '320600',
    '如皋市': '320600',
    '姑苏区': '320500',
    '姜堰区': '321200',
    '婺城区': '330700',
    '宁国市': '341800',
    '宁波市': '330200',
    '宁海县': '330200',
    '安吉县': '330500',
    '安庆市': '340800',
    '定海区': '330900',
    '定远县': '341100',
    '宜兴市': '320200',
    '宜秀区': '340800',
    '宝山区': '310100',
    '宝应县': '321000',
    '宣城市': '341800',
    '宣州区': '341800',
    '宿城区': '321300',
    '宿州市': '341300',
    '宿松县': '340800',
    '宿豫区': '321300',
    '宿迁市': '321300',
    '富阳区': '330100',
    '寿县': '340400',
    '射阳县': '320900',
    '屯溪区': '341000',
    '岱山县': '330900',
    '岳西县': '340800',
    '崇川区': '320600',
    '崇明区': '310100',
    '嵊州市': '330600',
    '嵊泗县': '330900',
    '巢湖市': '340100',
    '常山县': '330800',
    '常州市': '320400',
    '常熟市': '320500',
    '平湖市': '330400',
    '平阳县': '330300',
    '广德市': '341800',
    '广陵区': '321000',
    '庆元县': '331100',
    '庐江县': '340100',
    '庐阳区': '340100',
    '建德市': '330100',
    '建湖县': '320900',
    '建邺区': '320100',
    '开化县': '330800',
    '弋江区': '340200',
    '张家港市': '320500',
    '当涂县': '340500',
    '徐州市': '320300',
    '徐汇区': '310100',
    '德清县': '330500',
    '徽州区': '341000',
    '怀宁县': '340800',
    '怀远县': '340300',
    '惠山区': '320200',
    '慈溪市': '330200',
    '扬中市': '321100',
    '扬州市': '321000',
    '拱墅区': '330100',
    '文成县': '330300',
    '新北区': '320400',
    '新吴区': '320200',
    '新昌县': '330600',
    '新沂市': '320300',
    '旌德县': '341800',
    '无为市': '340200',
    '无锡市': '320200',
    '昆山市': '320500',
    '明光市': '341100',
    '普陀区': '330900',
    '景宁畲族自治县': '331100',
    '望江县': '340800',
    '杜集区': '340600',
    '来安县': '341100',
    '杨浦区': '310100',
    '杭州市': '330100',
    '松江区': '310100',
    '松阳县': '331100',
    '枞阳县': '340700',
    '柯城区': '330800',
    '柯桥区': '330600',
    '栖霞区': '320100',
    '桐乡市': '330400',
    '桐城市': '340800',
    '桐庐县': '330100',
    '梁溪区': '320200',
    '椒江区': '331000',
    '歙县': '341000',
    '武义县': '330700',
    '武进区': '320400',
    '永嘉县': '330300',
    '永康市': '330700',
    '江北区': '330200',
    '江宁区': '320100',
    '江山市': '330800',
    '江都区': '321000',
    '江阴市': '320200',
    '池州市': '341700',
    '沛县': '320300',
    '沭阳县': '321300',
    '泉山区': '320300',
    '泗县': '341300',
    '泗洪县': '321300',
    '泗阳县': '321300',
    '泰兴市': '321200',
    '泰州市': '321200',
    '泰顺县': '330300',
    '泾县': '341800',
    '洞头区': '330300',
    '洪泽区': '320800',
    '浦东新区': '310100',
    '浦口区': '320100',
    '浦江县': '330700',
    '海宁市': '330400',
    '海安市': '320600',
    '海州区': '320700',
    '海曙区': '330200',
    '海盐县': '330400',
    '海门区': '320600',
    '海陵区': '321200',
    '涟水县': '320800',
    '涡阳县': '341600',
    '润州区': '321100',
    '淮上区': '340300',
    '淮北市': '340600',
    '淮南市': '340400',
    '淮安区': '320800',
    '淮安市': '320800',
    '淮阴区': '320800',
    '淳安县': '330100',
    '清江浦区': '320800',
    '温岭市': '331000',
    '温州市': '330300',
    '湖州市': '330500',
    '湾沚区': '340200',
    '溧水区': '320100',
    '溧阳市': '320400',
    '滁州市': '341100',
    '滨江区': '330100',
    '滨海县': '320900',
    '滨湖区': '320200',
    '潘集区': '340400',
    '潜山市': '340800',
    '濉溪县': '340600',
    '灌云县': '320700',
    '灌南县': '320700',
    '灵璧县': '341300',
    '烈山区': '340600',
    '玄武区': '320100',
    '玉环市': '331000',
    '琅琊区': '341100',
    '瑞安市': '330300',
    '瑶海区': '340100',
    '瓯海区': '330300',
    '田家庵区': '340400',
    '界首市': '341200',
    '盐城市': '320900',
    '盐都区': '320900',
    '盱眙县': '320800',
    '相城区': '320500',
    '相山区': '340600',
    '睢宁县': '320300',
    '石台县': '341700',
    '砀山县': '341300',
    '磐安县': '330700',
    '祁门县': '341000',
    '禹会区': '340300',
    '秀洲区': '330400',
    '秦淮区': '320100',
    '繁昌区': '340200',
    '绍兴市': '330600',
    '绩溪县': '341800',
    '缙云县': '331100',
    '肥东县': '340100',
    '肥西县': '340100',
    '舒城县': '341500',
    '舟山市': '330900',
    '芜湖市': '340200',
    '花山区': '340500',
    '苍南县': '330300',
    '苏州市': '320500',
    '莲都区': '331100',
    '萧县': '341300',
    '萧山区': '330100',
    '蒙城县': '341600',
    '虎丘区': '320500',
    '虹口区': '310100',
    '蚌埠市': '340300',
    '蚌山区': '340300',
    '蜀山区': '340100',
    '衢州市': '330800',
    '衢江区': '330800',
    '裕安区': '341500',
    '西湖区': '330100',
    '诸暨市': '330600',
    '谢家集区': '340400',
    '谯城区': '341600',
    '象山县': '330200',
    '贵池区': '341700',
    '贾汪区': '320300',
    '赣榆区': '320700',
    '越城区': '330600',
    '路桥区': '331000',
    '迎江区': '340800',
    '连云区': '320700',
    '连云港市': '320700',
    '通州区': '320600',
    '遂昌县': '331100',
    '邗江区': '321000',
    '邳州市': '320300',
    '郎溪县': '341800',
    '鄞州区': '330200',
    '金东区': '330700',
    '金华市': '330700',
    '金坛区': '320400',
    '金安区': '341500',
    '金寨县': '341500',
    '金山区': '310100',
    '金湖县': '320800',
    '钟楼区': '320400',
    '钱塘区': '330100',
    '铜官区': '340700',
    '铜山区': '320300',
    '铜陵市': '340700',
    '锡山区': '320200',
    '镇江市': '321100',
    '镇海区': '330200',
    '镜湖区': '340200',
    '长丰县': '340100',
    '长兴县': '330500',
    '长宁区': '310100',
    '闵行区': '310100',
    '阜南县': '341200',
    '阜宁县': '320900',
    '阜阳市': '341200',
    '雨山区': '340500',
    '雨花台区': '320100',
    '霍山县': '341500',
    '霍邱县': '341500',
    '青浦区': '310100',
    '青田县': '331100',
    '青阳县': '341700',
    '靖江市': '321200',
    '静安区': '310100',
    '颍上县': '341200',
    '颍东区': '341200',
    '颍州区': '341200',
    '颍泉区': '341200',
    '马鞍山市': '340500',
    '高淳区': '320100',
    '高港区': '321200',
    '高邮市': '321000',
    '鸠江区': '340200',
    '鹿城区': '330300',
    '黄山区': '341000',
    '黄山市': '341000',
    '黄岩区': '331000',
    '黄浦区': '310100',
    '黟县': '341000',
    '鼓楼区': '320300',
    '龙子湖区': '340300',
    '龙泉市': '331100',
    '龙港市': '330300',
    '龙游县': '330800',
    '龙湾区': '330300',
}

PROVINCES = {"shanghai": "31", "jiangsu": "32", "zhejiang": "33", "anhui": "34"}
FOREIGN = {w: True for w in (
    "beijing tianjin hebei shanxi shaanxi neimenggu mongolia liaoning jilin heilongjiang fujian jiangxi "
    "shandong henan hubei hunan guangdong guangxi hainan chongqing sichuan guizhou yunnan tibet xizang "
    "gansu qinghai ningxia xinjiang wuhan qingdao chengde shenzhen guangzhou chengdu").split()}
RIVER_WORDS = {"jiang", "river"}
LOCATION_FIELDS = ("Name", "Location", "Address", "Municipality")

# Manual decisions where the automatic rule is wrong; each with its reason.
OVERRIDES = {
    # Qinan coal mine (祁南煤矿) lies in Yongqiao district, Suzhou (Anhui); "Huaibei" in the
    # name is the operator, Huaibei Mining Group, not the place.
    "WRI1071238": ("ok", "Huaibei = operator; Qinan mine is in Suzhou (Anhui)"),
}


def words(text):
    text = text.lower().replace("'", "").replace("\u2019", "")
    return re.findall(r"[a-z]+", text)


def mentions(text):
    """(prefecture codes, YRD province codes, foreign place names) mentioned in text."""
    ws = words(text)
    prefs, provs, foreign = set(), set(), set()
    for i, w in enumerate(ws):
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        if w in PROVINCES:
            provs.add(PROVINCES[w])
        if w in FOREIGN:
            foreign.add(w)
        if w in GAZ and nxt not in RIVER_WORDS:
            prefs.add(GAZ[w])
        if nxt and (w + nxt) in GAZ:
            prefs.add(GAZ[w + nxt])
    for zh, code in GAZ_ZH.items():
        if zh in text:
            prefs.add(code)
    out = set()
    for p in prefs:
        cands = p.split()
        if provs and len(cands) > 1:
            narrowed = [c for c in cands if c[:2] in provs]
            cands = narrowed or cands
        out.update(cands)
    if "shanghai" in ws:
        out.add("310100")
    return out, provs, foreign


def location_check(row, pref, prov, near_pref=lambda code: False):
    """ok / mismatch / unverified; near_pref(code) tells whether prefecture `code` lies within
    the tolerance of the point (then a name naming it is not a clear contradiction)."""
    text = " ; ".join(row.get(f, "") or "" for f in LOCATION_FIELDS)
    prefs, provs, foreign = mentions(text)
    if pref in prefs:
        return "ok", prefs, foreign
    if prefs and not foreign and any(near_pref(c) for c in prefs):
        return "ok", prefs, foreign
    if prefs or foreign or (provs and prov not in provs):
        return "mismatch", prefs, foreign
    oprefs, _, _ = mentions(row.get("Owner", "") or "")
    if pref in oprefs:
        return "ok", oprefs, foreign
    return "unverified", prefs, foreign


# ---------------------------------------------------------------- helpers
def read_geojson(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))


def load_csv(path, allow_other):
    if path:
        with open(path, "rb") as f:
            data = f.read()
    else:
        with urllib.request.urlopen(CSV_URL, timeout=120) as r:
            data = r.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CSV_SHA256 and not allow_other:
        sys.exit("China.csv sha256 %s differs from the pinned %s (use --allow-other-csv)" % (digest, CSV_SHA256))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def num(s):
    s = (s or "").replace(",", "").strip()
    if not s:
        return None
    v = float(s)
    return int(v) if v == int(v) else v


def year(s):
    """First four-digit year in WRI's Commissioning Date ('2004', '2002-2011' -> 2002)."""
    m = re.search(r"(1[89]\d\d|20\d\d)", s or "")
    return int(m.group(1)) if m else None


def merge_units(rows):
    """WRI treats rows sharing a Power Plant ID as units of one plant (build_database_WRI.py):
    name, owner, source and commissioning year from the first row, capacity summed,
    coordinates from the last row that has them."""
    plants, order = {}, []
    for r in rows:
        pid = (r.get("Power Plant ID") or "").strip()
        if not pid or not (r.get("Name") or "").strip():
            continue
        if pid not in plants:
            plants[pid] = dict(r, _units=1, _cap=num(r.get("Capacity (MW)")))
            order.append(pid)
            continue
        p = plants[pid]
        p["_units"] += 1
        c = num(r.get("Capacity (MW)"))
        if c is not None:
            p["_cap"] = c if p["_cap"] is None else p["_cap"] + c
        if r.get("Latitude") and r.get("Longitude"):
            p["Latitude"], p["Longitude"] = r["Latitude"], r["Longitude"]
    return [plants[k] for k in order]


def metric(lon0, lat0):
    """Local equirectangular metres centred on the point (good to < 0.5 % within 3 km)."""
    kx = 111320.0 * math.cos(math.radians(lat0))
    ky = 110574.0

    def to_m(geom):
        return shapely.transform(geom, lambda c: (c - (lon0, lat0)) * (kx, ky))
    return to_m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", help="local China.csv (default: download at the pinned commit)")
    ap.add_argument("--jurisdictions", required=True, help="jurisdictions GeoJSON (.gz ok), county level used")
    ap.add_argument("--sea", required=True, help="sea GeoJSON (.gz ok): county edges along it are coast, not borders")
    ap.add_argument("--out", required=True)
    ap.add_argument("--allow-other-csv", action="store_true")
    a = ap.parse_args()

    rows = load_csv(a.csv, a.allow_other_csv)
    plants = merge_units(rows)
    jur = read_geojson(a.jurisdictions)["features"]
    level = {f["properties"]["code"]: f["properties"] for f in jur}
    counties = sorted((f for f in jur if f["properties"]["level"] == "county"), key=lambda f: f["properties"]["code"])
    codes = [f["properties"]["code"] for f in counties]
    geoms = [shape(f["geometry"]) for f in counties]
    tree = STRtree(geoms)
    union = unary_union(geoms)
    sea = unary_union([shape(f["geometry"]) for f in read_geojson(a.sea)["features"]])
    # water gaps: areas neither county nor sea that do not reach the edge of a frame
    # around the region (the Yangtze estuary, the Qiantang) -- edges there are not borders
    minx, miny, maxx, maxy = union.bounds
    frame = box(minx - 0.5, miny - 0.5, maxx + 0.5, maxy + 0.5)
    rest = frame.difference(union.union(sea))
    gaps = [g for g in getattr(rest, "geoms", [rest]) if not g.intersects(frame.exterior)]
    water = unary_union([sea.buffer(SEA_TOLERANCE_DEG)] + [g.buffer(1e-6) for g in gaps])
    land_edge = union.boundary.difference(water)  # YRD edge towards non-YRD land
    pref_geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in jur if f["properties"]["level"] == "city"}

    features, stats = [], {"rows": len(rows), "plants": len(plants), "no_coords": 0, "outside": 0}
    for p in plants:
        if not (p.get("Latitude") and p.get("Longitude")):
            stats["no_coords"] += 1
            continue
        lon, lat = float(p["Longitude"]), float(p["Latitude"])
        pt = Point(lon, lat)
        hits = sorted(int(i) for i in tree.query(pt, predicate="intersects"))
        if not hits:
            stats["outside"] += 1
            continue
        i = hits[0]
        code = codes[i]
        pref = level[code]["parent"]
        prov = code[:2]
        f = metric(lon, lat)
        win = box(lon - 0.03, lat - 0.03, lon + 0.03, lat + 0.03)
        dists = []
        for j in tree.query(win):
            j = int(j)
            if j != i:
                dists.append(f(geoms[j].intersection(win)).distance(Point(0, 0)))
        edge = land_edge.intersection(win)
        if not edge.is_empty:
            dists.append(f(edge).distance(Point(0, 0)))
        near = bool(dists) and min(dists) <= NEAR_BORDER_M
        # tolerance: NEAR_BORDER_M plus half the last decimal place WRI gave for the coordinate
        decimals = min(len((p[k].split(".") + [""])[1]) for k in ("Latitude", "Longitude"))
        tol = NEAR_BORDER_M + 0.5 * 10 ** (-decimals) * 111000.0
        check, _, _ = location_check(
            p, pref, prov, lambda c: c in pref_geoms and f(pref_geoms[c].intersection(
                box(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))).distance(Point(0, 0)) <= tol)
        pid = "WRI%07d" % int(p["Power Plant ID"])
        if pid in OVERRIDES:
            check = OVERRIDES[pid][0]
        src = p.get("Source", "").strip() or "no source given"
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "id": pid,
                "name": p["Name"].strip(),
                "type": plant_type(p.get("Fuel", "").strip(), p.get("Generator Technology", "").strip(), p["Name"]),
                "capacity_mw": p["_cap"],
                "commissioning_year": year(p.get("Commissioning Date")),
                "jurisdiction": code,
                "location_check": check,
                "near_border": near,
                "source": "%s; %s" % (SOURCE_PREFIX, src),
                "provenance": "observed",
            },
        })
    features.sort(key=lambda ft: ft["properties"]["id"])
    with open(a.out, "w", encoding="utf-8", newline="\n") as out:
        out.write('{"type":"FeatureCollection","name":"power_plants","features":[\n')
        out.write(",\n".join(json.dumps(ft, ensure_ascii=False, separators=(",", ":")) for ft in features))
        out.write("\n]}\n")
    stats["kept"] = len(features)
    print(json.dumps(stats), file=sys.stderr)


if __name__ == "__main__":
    main()
