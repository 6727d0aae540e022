#!/usr/bin/env python3
"""Rebuild county_co2.csv and county_code_crosswalk.csv (borderscape, data/observed).

Source: CEADs county-level CO2 emissions 1997-2017, Chen et al. (2020), "County-level CO2
emissions and sequestration in China during 1997-2017", Scientific Data 7:391,
doi:10.1038/s41597-020-00736-3, CC BY 4.0. The values are a published ESTIMATE (provincial
inventories downscaled to counties with DMSP/OLS + NPP/VIIRS night lights), not measurements.

Copy used: GitHub STATS201-DKU-Autumn2024/Week1_Yuxiang, data/co2.xlsx, pinned commit below
(file sha256 checked). Only the Python standard library is used (the .xlsx is read as zip+XML).

Usage (from the repository root):
    python3 data/observed/fetch_county_co2.py                       # downloads the pinned xlsx
    python3 data/observed/fetch_county_co2.py --xlsx /tmp/co2.xlsx  # or use a local copy
    options: --jurisdictions data/demo/jurisdictions.geojson.gz --out data/observed

Matching of each CEADs county (Shanghai 31, Jiangsu 32, Zhejiang 33, Anhui 34) to a current
(~2023) county of --jurisdictions, in this order:
  1. CHANGES below (hand-made, dated; it also overrides 2. where a boundary changed under an
     unchanged code),
  2. same 6-digit code and same name -> "same",
  3. same name within the same prefecture (code[:4]) -> "recoded" (year unknown; note says so).
Anything left is reported as unmatched. A current county is written to county_co2.csv only when
every CEADs unit mapped to it is whole (change same/renamed/recoded/merged_into); current
counties that received part of a split unit (change split / gained_territory) are left out.
"""
import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import sys
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

REPO = "STATS201-DKU-Autumn2024/Week1_Yuxiang"
COMMIT = "001c19c953d1f4754d06d7d78eae66bcc007de0b"
XLSX_PATH = "data/co2.xlsx"
XLSX_URL = f"https://raw.githubusercontent.com/{REPO}/{COMMIT}/{XLSX_PATH}"
XLSX_SHA256 = "9b47a1c9bc03e862c1fc202b33dfdb0ee8bfd7793683c639c9ad0ee264871bac"
YRD = ("31", "32", "33", "34")
YEARS = list(range(1997, 2018))
METHOD = "estimate: night-light downscaled (Chen et al. 2020)"
WHOLE = {"same", "renamed", "recoded", "merged_into"}

# --- hand-made, dated crosswalk part ------------------------------------------------------------
# source_code (as in the CEADs file) -> (change, current codes, year, note)
# change: renamed (label only) | recoded (same territory, new code/name) | merged_into (whole unit
# summed with other whole units) | split (unit divided among several current counties) |
# gained_territory (unit whole, but its current county also received part of a split unit).
# Notes: "民政部/国务院批复 ..." = change verified against a reprint of the official notice (URL);
# "knowledge" = documented change stated from knowledge, not re-verified here.
U_SH11 = "knowledge (国务院批复 2011: 撤销黄浦区、卢湾区, 设立新的黄浦区)"
U_SH15 = "knowledge (国务院批复 2015: 撤销闸北区、静安区, 设立新的静安区)"
U_WX15 = ("国务院批复 2015 (无锡): 撤销崇安区、南长区、北塘区设立梁溪区; 以滨湖区旺庄、江溪、硕放、梅村、新安"
          "和锡山区鸿山街道设立新吴区; https://nanjing.baogaosu.com/xinwen/ (人民政府 2016-02-21)")
U_CZ15 = ("国务院批复 2015 (常州): 撤销武进区、戚墅堰区设立新的武进区(不含奔牛镇、郑陆镇、邹区镇); 奔牛镇→新北区, "
          "郑陆镇→天宁区, 邹区镇→钟楼区; 撤销金坛市设立金坛区; http://aipaogen.com/zhishi/202307/0I010442S2023.html")
U_SIP = ("no dated change: CEADs gives 苏州工业园区 (a development zone, not a county) its own series coded "
         "320506(2); in the current boundaries (Amap via cnmaps) its land lies mostly in 吴中区 and partly in "
         "a 虎丘区 exclave, so 工业园区 cannot be assigned to one current county")
U_ZJX = ("no dated change: CEADs gives 镇江新区 (a development zone, not a county) its own series coded "
         "321112(2); in the current boundaries its land lies in 京口区 and in an eastern exclave of 丹徒区")
U_NT20 = ("国务院批复 2020 (南通): 撤销崇川区、港闸区设立新的崇川区; 撤销海门市设立海门区; "
          "http://m.jiangsulong.com/a/2020/0717/0760321.html")
U_HA16 = ("国务院批复 2016 (淮安): 撤销清河区、清浦区设立清江浦区; 撤销洪泽县设立洪泽区 (以原行政区域); "
          "https://news.sohu.com/20160711/n458719746.shtml")
U_HZ21 = ("浙江省政府通知 2021-03-11 (国务院批复, 杭州): 上城+江干(不含下沙、白杨)→上城区; 下城+拱墅→拱墅区; "
          "余杭西部12镇街→余杭区, 东部8镇街→临平区; 江干下沙、白杨+萧山河庄、义蓬、新湾、临江、前进→钱塘区; "
          "https://hg3970.com/baike/48683.html")
U_NB16 = ("国务院批复 2016 (宁波): 撤销江东区并入鄞州区; 鄞州区集士港、古林、高桥、横街、鄞江、洞桥、章水、龙观、石碶"
          "→海曙区; 撤销奉化市设立奉化区; http://zjrb.zjol.com.cn/html/2016-10/10/content_3009462.htm")
U_DT15 = ("国务院批复 2015 (温州): 撤销洞头县设立洞头区, 龙湾区灵昆街道划归洞头区; "
          "http://zjnews.zjol.com.cn/system/2015/09/02/020814705.shtml")
U_SX13 = ("国务院批复 2013 (绍兴): 绍兴县(不含孙端、陶堰、富盛镇)→柯桥区, 该3镇→越城区; 撤销上虞市设立上虞区; "
          "http://zjccc.cn/newsview/615")
U_WH20 = ("国务院批复 2020 (芜湖): 撤销三山区、弋江区设立新的弋江区; 芜湖县→湾沚区; 繁昌县→繁昌区 (以原行政区域); "
          "http://huinews.cn/a/anhui/2020073126.html")
U_CH11 = ("国务院批复 2011 (撤销地级巢湖市): 居巢区→县级巢湖市(合肥代管); 庐江县→合肥; 无为县→芜湖; 含山县、和县"
          "(不含沈巷镇)→马鞍山; 和县沈巷镇→芜湖鸠江区; https://www.tmdrsb.com/shouyougonglue/477902.html")
U_MAS12 = ("国务院批复 2012 (马鞍山): 撤销金家庄区、花山区设立新的花山区; 当涂县博望、丹阳、新市镇→新设博望区; "
           "http://china.zjol.com.cn/system/2012/09/10/018800719.shtml")
U_TL15 = ("国务院批复 2015 (安徽): 枞阳县划归铜陵; 撤销铜官山区、狮子山区设立铜官区; 撤销铜陵县设立义安区; 寿县划归淮南; "
          "霍邱县叶集、三元镇、孙岗乡→新设叶集区; https://hefei.baogaosu.com/xinwen/ (2016-01-05)")
U_ZY18 = ("knowledge (安徽省 2018-10: 枞阳县东部老洲、陈瑶湖、周潭3镇划归铜陵市义安区; the 2021 澎湃 report "
          "http://6773257.com/newsDetail_forward_10911272 mentions the 2018-10 transfer of 枞阳县东部 towns)")

CHANGES = {
    # Shanghai
    "310101": ("merged_into", ["310101"], 2011, U_SH11),
    "310103": ("merged_into", ["310101"], 2011, U_SH11),
    "310106": ("merged_into", ["310106"], 2015, U_SH15),
    "310108": ("merged_into", ["310106"], 2015, U_SH15),
    "310230": ("recoded", ["310151"], 2016, "knowledge (国务院批复 2016: 撤销崇明县设立崇明区)"),
    # Jiangsu
    "320124": ("recoded", ["320117"], 2013, "knowledge (国务院批复 2013: 撤销溧水县设立溧水区)"),
    "320125": ("recoded", ["320118"], 2013, "knowledge (国务院批复 2013: 撤销高淳县设立高淳区)"),
    "320202": ("merged_into", ["320213"], 2015, U_WX15),
    "320203": ("merged_into", ["320213"], 2015, U_WX15),
    "320204": ("merged_into", ["320213"], 2015, U_WX15),
    "320205": ("same", ["320205"], None,
               "kept as same: 鸿山街道 went to 新吴区 in 2015 but CEADs gives 新吴区 its own series, so its 锡山区 "
               "unit is taken to exclude it (not verifiable); " + U_WX15),
    "320211": ("same", ["320211"], None,
               "kept as same: CEADs splits 新吴区 off 滨湖区 as 320211(2), so this unit is taken to be the post-2015 "
               "滨湖区; " + U_WX15),
    "320211（2）": ("recoded", ["320214"], 2015,
                   "CEADs sub-unit 320211(2) 新吴区 = current 新吴区 (name match in 无锡市); " + U_WX15),
    "320323": ("recoded", ["320312"], 2010,
               "knowledge (国务院批复 2010: 撤销铜山县设立铜山区, code 320312; CEADs keeps the county code)"),
    "320402": ("gained_territory", ["320402"], 2015, U_CZ15),
    "320404": ("gained_territory", ["320404"], 2015, U_CZ15),
    "320405": ("merged_into", ["320412"], 2015, U_CZ15),
    "320411": ("gained_territory", ["320411"], 2015, U_CZ15),
    "320412": ("split", ["320412", "320411", "320402", "320404"], 2015, U_CZ15),
    "320482": ("recoded", ["320413"], 2015, U_CZ15),
    "320502": ("recoded", ["320508"], 2012,
               "knowledge (国务院批复 2012: 撤销沧浪、平江、金阊区设立姑苏区, code 320508; CEADs labels the unit "
               "姑苏区 under the old 沧浪区 code 320502)"),
    "320505": ("gained_territory", ["320505"], None, U_SIP),
    "320506": ("gained_territory", ["320506"], None, U_SIP),
    "320506（2）": ("split", ["320506", "320505"], None, U_SIP),
    "320584": ("recoded", ["320509"], 2012, "knowledge (国务院批复 2012: 撤销吴江市设立吴江区)"),
    "320602": ("merged_into", ["320613"], 2020, U_NT20),
    "320611": ("merged_into", ["320613"], 2020, U_NT20),
    "320621": ("recoded", ["320685"], 2018, "knowledge (民政部 2018: 撤销海安县设立县级海安市)"),
    "320683": ("recoded", ["320612"], 2009,
               "knowledge (国务院批复 2009: 撤销通州市设立通州区, code 320612; CEADs keeps the 通州市 code)"),
    "320684": ("recoded", ["320614"], 2020, U_NT20),
    "320705": ("recoded", ["320706"], 2014,
               "knowledge (国务院批复 2014: 撤销新浦区、海州区设立新的海州区 320706). CEADs has a single unit "
               "'海州区' under the former 新浦区 code 320705 and none at 320706, so it is taken to cover both"),
    "320721": ("recoded", ["320707"], 2014, "knowledge (国务院批复 2014: 撤销赣榆县设立赣榆区)"),
    "320802": ("merged_into", ["320812"], 2016, U_HA16),
    "320811": ("merged_into", ["320812"], 2016, U_HA16),
    "320826": ("renamed", ["320826"], None,
               "label fix: CEADs '涟水区' is 涟水县 (never a district); code matches"),
    "320829": ("recoded", ["320813"], 2016, U_HA16),
    "320830": ("renamed", ["320830"], None,
               "label fix: CEADs '盱眙市' is 盱眙县 (never a city); code matches"),
    "320982": ("recoded", ["320904"], 2015, "knowledge (国务院批复 2015: 撤销大丰市设立大丰区)"),
    "321088": ("recoded", ["321012"], 2011,
               "撤销江都市设立江都区 以原江都市行政区域 (2011; https://54852.com/hy/402654.html)"),
    "321102": ("gained_territory", ["321102"], None, U_ZJX),
    "321112": ("gained_territory", ["321112"], None, U_ZJX),
    "321112（2）": ("split", ["321102", "321112"], None, U_ZJX),
    "321284": ("recoded", ["321204"], 2012,
               "苏政发〔2012〕181号: 撤销姜堰市设立姜堰区 以原行政区域 (https://www.hxhzn.com/art/2013/2/21/art_46734_2632550.html)"),
    # Zhejiang
    "330102": ("gained_territory", ["330102"], 2021, U_HZ21),
    "330103": ("merged_into", ["330105"], 2021, U_HZ21),
    "330104": ("split", ["330102", "330114"], 2021, U_HZ21),
    "330105": ("merged_into", ["330105"], 2021, U_HZ21),
    "330109": ("split", ["330109", "330114"], 2021, U_HZ21),
    "330110": ("split", ["330110", "330113"], 2021, U_HZ21),
    "330183": ("recoded", ["330111"], 2014, "knowledge (国务院批复 2014: 撤销富阳市设立富阳区)"),
    "330185": ("recoded", ["330112"], 2017, "knowledge (国务院批复 2017: 撤销临安市设立临安区)"),
    "330203": ("gained_territory", ["330203"], 2016, U_NB16),
    "330204": ("merged_into", ["330212"], 2016, U_NB16),
    "330212": ("split", ["330212", "330203"], 2016, U_NB16),
    "330283": ("recoded", ["330213"], 2016, U_NB16),
    "330303": ("split", ["330303", "330305"], 2015, U_DT15),
    "330322": ("gained_territory", ["330305"], 2015, U_DT15),
    "330327": ("split", ["330327", "330383"], 2019,
               "knowledge (民政部 2019: 撤销苍南县龙港镇设立县级龙港市)"),
    "330602": ("gained_territory", ["330602"], 2013, U_SX13),
    "330621": ("split", ["330603", "330602"], 2013, U_SX13),
    "330682": ("recoded", ["330604"], 2013, U_SX13),
    "331021": ("recoded", ["331083"], 2017, "knowledge (民政部 2017: 撤销玉环县设立县级玉环市)"),
    # Anhui
    "340203": ("merged_into", ["340209"], 2020, U_WH20),
    "340207": ("gained_territory", ["340207"], 2011, U_CH11),
    "340208": ("merged_into", ["340209"], 2020, U_WH20),
    "340221": ("recoded", ["340210"], 2020, U_WH20),
    "340222": ("recoded", ["340212"], 2020, U_WH20),
    "340502": ("merged_into", ["340503"], 2012, U_MAS12),
    "340503": ("merged_into", ["340503"], 2012, U_MAS12),
    "340521": ("split", ["340521", "340506"], 2012, U_MAS12),
    "340702": ("merged_into", ["340705"], 2015, U_TL15),
    "340703": ("merged_into", ["340705"], 2015, U_TL15),
    "340721": ("gained_territory", ["340706"], 2018,
               "铜陵县→义安区 340706 in 2015 (" + U_TL15 + "); in 2018 义安区 received 3 towns of 枞阳县: " + U_ZY18),
    "340823": ("split", ["340722", "340706"], 2018,
               "枞阳县 moved whole to 铜陵 in 2015 (" + U_TL15 + "), then 2018: " + U_ZY18),
    "340824": ("recoded", ["340882"], 2018, "knowledge (民政部 2018: 撤销潜山县设立县级潜山市)"),
    "341402": ("recoded", ["340181"], 2011, U_CH11),
    "341421": ("recoded", ["340124"], 2011, U_CH11),
    "341422": ("recoded", ["340281"], 2019,
               "无为县 moved to 芜湖 in 2011 (" + U_CH11 + "); knowledge (民政部 2019: 撤销无为县设立县级无为市)"),
    "341423": ("recoded", ["340522"], 2011, U_CH11),
    "341424": ("split", ["340523", "340207"], 2011, U_CH11),
    "341521": ("recoded", ["340422"], 2015, U_TL15),
    "341522": ("split", ["341522", "341504"], 2015, U_TL15),
    "341822": ("recoded", ["341882"], 2019, "knowledge (民政部 2019: 撤销广德县设立县级广德市)"),
}


def read_xlsx(data):
    """Rows (lists of str/None) of the first sheet of an .xlsx given as bytes (stdlib only)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(ns + "si"):
            shared.append("".join(t.text or "" for t in si.iter(ns + "t")))
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter(ns + "row"):
        cells = {}
        for c in row.iter(ns + "c"):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            idx = 0
            for ch in col:
                idx = idx * 26 + ord(ch) - 64
            v = c.find(ns + "v")
            t = c.get("t")
            if t == "s":
                val = shared[int(v.text)]
            elif t == "inlineStr":
                val = "".join(x.text or "" for x in c.iter(ns + "t"))
            else:
                val = v.text if v is not None else None
            cells[idx - 1] = val
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i) for i in range(width)])
    return rows


def fmt(x):
    return repr(x)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--xlsx", help="local copy of data/co2.xlsx (default: download pinned commit)")
    ap.add_argument("--jurisdictions", default=os.path.join(root, "data/demo/jurisdictions.geojson.gz"))
    ap.add_argument("--out", default=here)
    a = ap.parse_args()

    if a.xlsx:
        with open(a.xlsx, "rb") as f:
            data = f.read()
    else:
        with urllib.request.urlopen(XLSX_URL, timeout=120) as r:
            data = r.read()
    sha = hashlib.sha256(data).hexdigest()
    if sha != XLSX_SHA256:
        sys.exit(f"sha256 mismatch: {sha} != {XLSX_SHA256}")

    rows = read_xlsx(data)
    header = rows[0]
    assert header[0].startswith("DISTCODE") and header[7] == "C1997" and header[27] == "C2017", header
    src = []  # (code, name, city, province, [21 floats])
    for r in rows[1:]:
        if not r or r[0] is None or len(r) < 28:
            continue  # blank row and the trailing note row
        code = r[0].strip()
        if code[:2] not in YRD:
            continue
        vals = [float(v) for v in r[7:28]]
        src.append((code, r[1].strip(), r[3].strip(), r[5].strip(), vals))
    src.sort(key=lambda s: s[0])

    op = gzip.open if a.jurisdictions.endswith(".gz") else open
    with op(a.jurisdictions, "rt", encoding="utf-8") as f:
        gj = json.load(f)
    cur = {}
    for ft in gj["features"]:
        p = ft["properties"]
        if p["level"] == "county" and p["code"][:2] in YRD:
            cur[p["code"]] = p

    # crosswalk
    cw = []  # (source_code, source_name, [codes], change, year, note)
    for code, name, city, prov, vals in src:
        base = code[:6]
        auto = None
        if base == code and base in cur and cur[base]["name"] == name:
            auto = ("same", [base], None, "code and name match")
        else:
            hits = [c for c, p in cur.items() if c[:4] == base[:4] and p["name"] == name]
            if len(hits) == 1:
                auto = ("recoded", hits, None, f"name match within prefecture {base[:4]}00")
        if code in CHANGES:
            ch, codes, year, note = CHANGES[code]
            for c in codes:
                assert c in cur, (code, c)
            cw.append((code, name, codes, ch, year, note))
        elif auto is not None:
            cw.append((code, name, auto[1], auto[0], auto[2],
                       auto[3] if auto[0] == "same" else auto[3] + "; year not determined"))
        else:
            cw.append((code, name, [], "unmatched", None, "no current county found"))

    # aggregate
    bad = set()  # current counties touched by a split unit or enlarged by one
    members = {}
    for code, name, codes, ch, year, note in cw:
        if ch in ("split", "gained_territory"):
            bad.update(codes)
        elif ch in WHOLE:
            members.setdefault(codes[0], []).append(code)
    vals = {s[0]: s[4] for s in src}
    out_rows = []
    for c in sorted(members):
        if c in bad:
            continue
        ms = sorted(members[c])
        for i, y in enumerate(YEARS):
            v = math.fsum(vals[m][i] for m in ms)
            out_rows.append([c, cur[c]["name"], str(y), fmt(v), ";".join(ms), "observed", METHOD])

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "county_co2.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "year", "co2_mt", "source_codes", "provenance", "method"])
        w.writerows(out_rows)
    with open(os.path.join(a.out, "county_code_crosswalk.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source_code", "source_name", "code", "name", "change", "year", "note"])
        for code, name, codes, ch, year, note in cw:
            w.writerow([code, name, ";".join(codes), ";".join(cur[c]["name"] for c in codes), ch,
                        "" if year is None else str(year), note])

    covered = sorted({r[0] for r in out_rows})
    left_out = sorted(c for c in cur if c not in covered)
    print(f"xlsx sha256 {sha}")
    print(f"CEADs YRD units: {len(src)}; current YRD counties: {len(cur)}; covered: {len(covered)}; "
          f"rows: {len(out_rows)}")
    from collections import Counter
    print("changes:", dict(sorted(Counter(r[3] for r in cw).items())))
    print("current counties left out:")
    for c in left_out:
        why = "part of a split CEADs unit" if c in bad else "no CEADs unit"
        print(f"  {c} {cur[c]['name']}: {why}")
    un = [r for r in cw if r[3] == "unmatched"]
    print(f"unmatched CEADs units: {len(un)}", " ".join(f"{r[0]} {r[1]}" for r in un))


if __name__ == "__main__":
    main()
