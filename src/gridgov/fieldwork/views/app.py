"""The grid worker's phone app (PWA) under /field/app/: one shell page with client-side views (today's tasks, my
grid, report a case, patrol, visit, my records), the web app manifest and the service worker.

The app keeps every record it makes in IndexedDB (the outbox) and talks to the server only through the sync API
(docs/fieldwork-sync.md); see docs/fieldwork-app.md."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from gridgov.accounts.roles import allowed_roles
from gridgov.accounts.scope import roles_of
from gridgov.cases.models import Urgency
from gridgov.registry.models import Education, MaritalStatus, Occupancy, PoliticalStatus, Sex
from gridgov.territory.views import tile_crs

#: The app's own static files, precached by the service worker (with Leaflet and the icons).
APP_STATIC = (
    "fieldwork/app/app.css",
    "fieldwork/app/app.js",
    "fieldwork/app/db.js",
    "fieldwork/app/outbox.js",
    "fieldwork/app/geo.js",
    "fieldwork/app/views.js",
    "fieldwork/app/tiles.js",
    "fieldwork/app/records.js",
    "fieldwork/app/edit.js",
    "fieldwork/icons/icon-192.png",
    "fieldwork/icons/icon-512.png",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
)
THEME_COLOUR = "#b91c1c"
#: Cache Storage names, one definition for the service worker (sw.js) and the page (tiles.js): tiles seen while
#: browsing (bounded, the oldest evicted) and tiles downloaded for offline use (kept until the worker deletes them).
TILE_CACHE = "fieldwork-tiles"
TILE_DOWNLOAD_CACHE = "fieldwork-tiles-offline"


def may_use_app(user: Any) -> bool:
    """The app makes patrols and visits: the roles that may add a patrol (grid workers and grid heads)."""
    return bool(user.is_superuser or roles_of(user) & {r.value for r in allowed_roles("patrol", "add")})


def counted(forms: Callable[[int], str]) -> dict[str, str]:
    """A count's label for ``fmt()`` in app.js, by plural category (``Intl.PluralRules``): "one" and "other" are
    all that English and Chinese use. ``forms`` wraps ``ngettext`` in a lambda so that makemessages finds it."""
    return {"one": forms(1), "other": forms(2)}


def app_config(request: HttpRequest) -> dict[str, Any]:
    """What static/fieldwork/app/app.js needs, given to it through json_script (URLs, map tiles, labels)."""
    shell = reverse("fieldwork:app")
    return {
        "shellUrl": shell,
        "swUrl": reverse("fieldwork:app-sw"),
        "pullUrl": "/api/v1/sync/pull/",
        "recordsUrl": "/api/v1/sync/records/",
        "photoUrl": "/api/v1/sync/photos/UUID/",
        "loginUrl": f"{reverse('login')}?next={shell}",
        "user": request.user.get_username(),
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "crs": tile_crs().value,
        "tileCache": TILE_CACHE,
        "tileDownloadCache": TILE_DOWNLOAD_CACHE,
        "tileZooms": [settings.MAP_OFFLINE_ZOOMS[0], settings.MAP_OFFLINE_ZOOMS[-1]],
        "tileMaxTiles": settings.MAP_OFFLINE_MAX_TILES,
        "batchSize": 50,
        "trackEverySeconds": 30,
        "trackEveryPoints": 20,
        "syncEverySeconds": 60,
        "urgencies": [[u.value, str(u.label)] for u in Urgency],
        "sexes": {s.value: str(s.label) for s in Sex},
        # The choices of the person edit's fields (value, label), in the registry's order.
        "choices": {
            name: [[c.value, str(c.label)] for c in choices]
            for name, choices in (
                ("education", Education),
                ("marital_status", MaritalStatus),
                ("political_status", PoliticalStatus),
                ("occupancy", Occupancy),
            )
        },
        "labels": {
            "states": {
                "saved": _("保存在手机"),
                "sending": _("发送中"),
                "acked": _("发送中"),
                "sent": _("已发送"),
                "attention": _("需处理"),
            },
            "kinds": {
                "patrol_start": _("开始巡查"),
                "patrol_stop": _("结束巡查"),
                "track": _("巡查轨迹"),
                "checkin": _("楼栋打卡"),
                "visit": _("走访记录"),
                "case_report": _("事件上报"),
                "task_report": _("任务反馈"),
                "person_edit": _("人员信息更新"),
                "rental_edit": _("出租屋检查"),
            },
            # Field names in the server's 400 answers, shown beside its message.
            "fields": {
                "category": _("事项类别"),
                "description": _("情况描述"),
                "address": _("地址"),
                "urgency": _("紧急程度"),
                "location": _("位置"),
                "lon": _("位置"),
                "lat": _("位置"),
                "person": _("走访对象"),
                "household": _("走访对象"),
                "tag": _("走访对象"),
                "situation": _("走访情况"),
                "needs": _("发现的需求"),
                "next_visit_on": _("下次走访日期"),
                "building": _("楼栋"),
                "patrol": _("巡查"),
                "points": _("轨迹点"),
                "made_at": _("时间"),
                "task": _("任务"),
                "report": _("反馈"),
                "image": _("照片"),
                "photos": _("照片"),
                "uuid": _("记录编号"),
                "kind": _("记录类型"),
                "content": _("内容"),
                "changes": _("修改内容"),
                "version": _("版本"),
                "base": _("原值"),
                "phone": _("联系电话"),
                "current_address": _("现住址"),
                "occupation": _("职业"),
                "workplace": _("服务处所"),
                "education": _("学历"),
                "marital_status": _("婚姻状况"),
                "political_status": _("政治面貌"),
                "occupancy": _("居住方式"),
                "rental": _("出租屋"),
                "rooms": _("出租间数"),
                "safety_checked_on": _("最近安全检查"),
                "is_active": _("在租"),
            },
            # The records that need attention, and the edit screens (records.js, edit.js).
            "edit": {
                "fix": _("修改后重新提交"),
                "fixTitle": _("修改后重新提交"),
                "fixHint": _("保存后作为一条新记录发送,原记录随之删除;记录时间仍为原来的时间。"),
                "discard": _("放弃"),
                "discardConfirm": _("确定放弃这条记录?它和未发送的照片将从手机上删除(服务器从未保存过它)。"),
                "discardYes": _("确定放弃"),
                "cancel": _("取消"),
                "discarded": _("已放弃该记录。"),
                "keepMine": _("以我的为准重新提交"),
                "dropMine": _("放弃我的修改"),
                "dropMineConfirm": _("放弃你的修改?服务器上的值保持不变。"),
                "mine": _("我填的"),
                "theirs": _("服务器当前"),
                "staleIntro": _("你修改期间,以下字段已被他人修改:"),
                "stalePulling": _("正在下载服务器的当前值…"),
                "staleOffline": _("联网同步后才能看到服务器的当前值。"),
                "forbidden": _("不允许:您无权进行此操作。这条记录无法提交,只能放弃。"),
                "notFound": _("所指的对象已不存在或不在您的网格范围内。这条记录无法提交,只能放弃。"),
                "serverError": _("服务器处理这条记录时出错,可以重新发送。"),
                "waitsForStart": _(
                    "这条记录所属巡查的“开始巡查”记录还没有被服务器接收。它发送成功后,这条记录会自动重新发送;"
                    "也可以稍后点“重新发送”。"
                ),
                "clockAhead": _(
                    "这条记录的时间晚于服务器的当前时间(手机时钟偏快),服务器暂不接收。请校准手机时间;"
                    "稍后点“重新发送”即可,或修改后按当前时间重新提交。"
                ),
                "tooOld": _(
                    "这条记录在手机上保存太久,服务器已不再接收,无法修改或补发,只能放弃。确需补录请联系网格长。"
                ),
                "retry": _("重新发送"),
                "noEdit": _("巡查的开始、结束和轨迹记录不能修改,只能放弃。"),
                "photoRefused": _("有一张照片被服务器拒收(记录本身已保存)。"),
                "photoFailed": _("服务器几次都没能接收一张照片(记录本身已保存):可以重新发送,或放弃这张照片。"),
                "dropPhoto": _("放弃这张照片"),
                "resubmitted": _("已保存修改后的记录,联网后自动发送。"),
                "editPerson": _("修改信息"),
                "personTitle": _("修改人员信息"),
                "rentalTitle": _("出租屋检查/修改"),
                "personNote": _("带 * 的是受保护信息,只显示部分;不修改请留空。"),
                "current": _("当前:%(v)s"),
                "empty": _("(空)"),
                "noChanges": _("没有修改任何内容。"),
                "phoneInvalid": _(
                    "联系电话格式不正确:手机号为 1 开头的 11 位数字,固定电话为区号加号码(如 0752-2345678)。"
                ),
                "tooLong": _("%(f)s不能超过 %(n)s 个字。"),
                "roomsInvalid": _("出租间数应为 1 到 999 的整数。"),
                "futureDate": _("检查日期不能晚于今天。"),
                "checkedToday": _("今天已检查"),
                "stillRented": _("仍在出租"),
                "save": _("保存修改"),
                "back": _("返回"),
                "pendingEdit": _("这里还有一条修改未发送,再次修改可能与它冲突。"),
                "missing": _("手机上的网格数据里没有它(可能已移出您的网格):请联网同步后再试。"),
                "dataBehind": _("手机上的数据还不是服务器的最新版本,请联网同步后再试。"),
                "rentals": _("出租屋"),
                "check": _("检查/修改"),
                "lastCheck": _("最近检查 %(d)s"),
                "neverChecked": _("未做过安全检查"),
                "rooms": counted(lambda n: ngettext("%(n)s 间", "%(n)s 间", n)),
                "notRented": _("已停租"),
                "landlord": _("房东 %(n)s"),
                "existingPhotos": _("已有照片(取消勾选即移除)"),
                "addPhotos": _("添加照片"),
                "choosePerson": _("请先在列表中选择一位人员。"),
                "required": _("请填写%(f)s。"),
                "keptMine": _("已按你的修改重新提交,联网后自动发送。"),
                "droppedMine": _("已放弃你的修改,服务器上的值不变。"),
                "locate": _("用我的定位"),
                "registered": _("登记于 %(d)s"),
                "yes": _("是"),
                "no": _("否"),
            },
            # The offline map download in the grid map view (tiles.js).
            "tiles": {
                "none": _("尚未下载离线地图:离线时只能看到联网时看过的地图。"),
                "plan": _("共 %(n)s 张地图(缩放 %(z)s 级),约 %(mb)s MB。"),
                "dropped": _("范围较大,超过 %(cap)s 张的上限,不下载缩放 %(z)s 级。"),
                "resume": _("已下载 %(c)s 张,还需下载 %(m)s 张。"),
                "upToDate": _("本网格的 %(n)s 张地图都已下载。"),
                "tooLarge": _("范围太大:缩放 %(z)s 级就超过 %(cap)s 张的上限,无法下载。"),
                "start": _("开始下载"),
                "progress": _("正在下载 %(a)s/%(n)s"),
                "keepOpen": _("下载期间请保持本应用打开;断网会暂停,之后可继续。"),
                "done": _("已下载 %(n)s 张,%(d)s"),
                "missing": _("另有 %(n)s 张未下载。"),
                "stopped": _("已停止:已下载 %(a)s/%(n)s 张,再点“下载本网格地图”继续。"),
                "interrupted": _("网络中断,下载已暂停(已下载 %(a)s/%(n)s 张):联网后再点“下载本网格地图”继续。"),
                "refused": _("地图服务拒绝了请求(HTTP %(s)s),下载已停止(已下载 %(a)s/%(n)s 张)。"),
                "failed": _("已下载 %(a)s/%(n)s 张,%(f)s 张失败(HTTP %(s)s):再点“下载本网格地图”重试。"),
                "quota": _("手机存储空间不足,下载已停止(已下载 %(a)s/%(n)s 张)。"),
                "noGrid": _("手机上还没有网格数据:请联网同步后再下载地图。"),
                "needOnline": _("请联网后再下载地图。"),
                "delete": _("删除"),
                "confirmDelete": _("删除已下载的 %(n)s 张地图?离线时将只能看到联网时看过的地图。"),
                "deleted": _("离线地图已删除。"),
            },
            "age": counted(lambda n: ngettext("%(n)s岁", "%(n)s岁", n)),
            "online": _("在线"),
            "offline": _("离线"),
            "pending": _("待发送 %(n)s 条"),
            "allSent": _("全部已发送"),
            "syncing": _("正在同步…"),
            "syncFailed": _("同步失败,稍后自动重试。"),
            "loginNeeded": _("登录已过期,请重新登录后同步(记录仍保存在手机上)。"),
            "login": _("登录"),
            "pulledAt": _("数据更新于 %(t)s"),
            "neverPulled": _("尚未下载网格数据:请联网后打开本页。"),
            "noTasks": _("暂无待办任务。"),
            "noVisits": _("暂无到期走访。"),
            "noRecords": _("还没有记录。"),
            "due": _("期限 %(t)s"),
            "overdue": _("已超时"),
            "visitDue": _("应走访 %(t)s"),
            "points": counted(lambda n: ngettext("%(n)s 个轨迹点", "%(n)s 个轨迹点", n)),
            "patrolRunning": _("巡查中,已开始 %(m)s 分钟"),
            "patrolIdle": _("未在巡查"),
            "checkedIn": _("已在 %(b)s 打卡"),
            "saved": _("已保存在手机,联网后自动发送。"),
            "notSaved": _("没有保存:%(e)s。记录未存入手机,表单内容仍在,请稍后再试。"),
            "storageFull": _("手机存储空间已满(可删除已下载的离线地图或其他文件)"),
            "storageError": _("手机存储出错(%(e)s)"),
            "pointNotSaved": _("轨迹点暂未存入手机(%(e)s),收到下一个定位时再存。"),
            "notPersisted": _(
                "浏览器没有允许长期保存本应用的数据:手机存储不足时,未发送的记录可能被清除。"
                "请把本应用添加到主屏幕,并尽快联网同步。"
            ),
            "needCategory": _("请选择事项类别。"),
            "needDescription": _("请填写情况描述。"),
            "needLocation": _("请用定位或在地图上点选位置。"),
            "needWho": _("请选择走访对象。"),
            "needSituation": _("请填写走访情况。"),
            "needBuilding": _("请选择打卡楼栋。"),
            "noGps": _("无法获取定位:%(e)s"),
            "located": _("已定位 %(lon)s, %(lat)s(±%(acc)s 米)"),
            "picked": _("已选位置 %(lon)s, %(lat)s"),
            "metres": _("%(n)s 米"),
            "photos": counted(lambda n: ngettext("%(n)s 张照片", "%(n)s 张照片", n)),
            "photosSent": _("照片 %(a)s/%(n)s 已发送"),
            "conflictFields": _("与服务器不一致的字段:%(f)s"),
            "serverSays": _("服务器:%(m)s"),
            "building": _("楼栋"),
            "grid": _("网格"),
            "openCase": _("未办结案件"),
            "household": _("户"),
            "households": counted(lambda n: ngettext("%(n)s 户", "%(n)s 户", n)),
            "person": _("人员"),
            "checkInHere": _("在此打卡"),
            "startPatrolFirst": _("开始巡查后才能在楼栋打卡。"),
        },
    }


@require_GET
@login_required
@ensure_csrf_cookie
@never_cache
def shell(request: HttpRequest) -> HttpResponse:
    """The app's one page; the service worker keeps a copy for offline use (network first)."""
    if not may_use_app(request.user):
        raise PermissionDenied(_("只有网格员和网格长使用外勤应用。"))
    return render(
        request,
        "fieldwork/app/shell.html",
        {"config": app_config(request), "theme_colour": THEME_COLOUR, "urgencies": list(Urgency)},
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (public: browsers fetch it without cookies)."""
    data = {
        "name": _("gridgov 网格员"),
        "short_name": _("网格员"),
        "description": _("网格员的巡查、走访、上报与任务,离线可用。"),
        "id": reverse("fieldwork:app"),
        "start_url": reverse("fieldwork:app"),
        "scope": reverse("fieldwork:app"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f3f5f8",
        "theme_color": THEME_COLOUR,
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static(f"fieldwork/icons/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png", "purpose": "any"}
            for n in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@lru_cache(maxsize=1)
def _static_version() -> str:
    """A digest of the precached files' contents: a new version of any of them installs a new service worker."""
    digest = hashlib.sha256()
    for name in APP_STATIC:
        path = finders.find(name)
        if path:
            with open(str(path), "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/field/app/sw.js, rendered with the static files' real (hashed) URLs. Public: it holds no data."""
    precache = [static(name) for name in APP_STATIC]
    # app.js imports its modules by their plain names ("./db.js"), which the hashed static storage keeps beside the
    # hashed copies: precache those too, so that the imports resolve offline.
    precache += [f"{settings.STATIC_URL}{name}" for name in APP_STATIC if name.endswith(".js")]
    precache = list(dict.fromkeys(precache))
    body = render_to_string(
        "fieldwork/app/sw.js",
        {
            # In development the files change under a running server: read them each time.
            "version": _static_version.__wrapped__() if settings.DEBUG else _static_version(),
            "precache": json.dumps(precache),
            "shell": json.dumps(reverse("fieldwork:app")),
            "tile_cache": json.dumps(TILE_CACHE),
            "tile_download_cache": json.dumps(TILE_DOWNLOAD_CACHE),
            # Tiles from the app's own origin are recognised by the template's fixed beginning.
            "tile_prefix": json.dumps(settings.MAP_TILE_URL.split("{")[0] if settings.MAP_TILE_URL else ""),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # The browser checks for a new worker on every visit; never let a cache hold an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("fieldwork:app")
    return response
