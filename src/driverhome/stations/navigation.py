"""Where a site is and how to get there from a phone: a plain description and navigation links.

Points are stored in WGS-84. Each navigation app gets them in its own system, through
its documented web address (which opens the app when it is installed):

* AMap (高德地图) — GCJ-02, ``uri.amap.com/navigation`` with ``coordinate=gaode``;
* Baidu Maps (百度地图) — BD-09, ``api.map.baidu.com/marker`` with ``coord_type=bd09ll``;
* Tencent Maps (腾讯地图) — GCJ-02, ``apis.map.qq.com/uri/v1/routeplan``;
* any other app — WGS-84, a ``geo:`` URI (RFC 5870), the fallback.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from driverhome.core import geo

#: a name the map providers see as the caller (their ``src`` / ``referer`` parameter)
CALLER = "driverhome"
#: how far another site may be to describe this one's position from it
NEIGHBOUR_KM = 50.0

DIRECTIONS = [
    gettext_lazy("north"),
    gettext_lazy("north-east"),
    gettext_lazy("east"),
    gettext_lazy("south-east"),
    gettext_lazy("south"),
    gettext_lazy("south-west"),
    gettext_lazy("west"),
    gettext_lazy("north-west"),
]


def _f(value: float) -> str:
    return f"{value:.6f}"


def amap_url(lat: float, lon: float, name: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    query = {
        "to": f"{_f(glon)},{_f(glat)},{name}",
        "mode": "car",
        "coordinate": "gaode",
        "callnative": "1",
        "src": CALLER,
    }
    return "https://uri.amap.com/navigation?" + urlencode(query)


def baidu_url(lat: float, lon: float, name: str, address: str = "") -> str:
    blat, blon = geo.wgs84_to_bd09(lat, lon)
    query = {
        "location": f"{_f(blat)},{_f(blon)}",
        "title": name,
        "content": address or name,
        "coord_type": "bd09ll",
        "output": "html",
        "src": f"webapp.{CALLER}",
    }
    return "https://api.map.baidu.com/marker?" + urlencode(query)


def tencent_url(lat: float, lon: float, name: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    query = {
        "type": "drive",
        "to": name,
        "tocoord": f"{_f(glat)},{_f(glon)}",
        "referer": CALLER,
    }
    return "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(query)


def geo_uri(lat: float, lon: float, name: str) -> str:
    point = f"{_f(lat)},{_f(lon)}"
    return f"geo:{point}?" + urlencode({"q": f"{point}({name})"})


def navigation_links(station) -> list[dict]:
    """The apps a driver may navigate with, each with the site's point in its system."""
    lat, lon, name = station.lat, station.lon, station.name
    return [
        {"app": "amap", "label": _("AMap"), "url": amap_url(lat, lon, name)},
        {
            "app": "baidu",
            "label": _("Baidu Maps"),
            "url": baidu_url(lat, lon, name, station.address),
        },
        {"app": "tencent", "label": _("Tencent Maps"), "url": tencent_url(lat, lon, name)},
        {"app": "geo", "label": _("Another map app"), "url": geo_uri(lat, lon, name)},
    ]


def compass(bearing: float) -> str:
    """One of eight compass directions for a bearing in degrees."""
    return str(DIRECTIONS[int(((bearing % 360) + 22.5) // 45) % 8])


def position_description(station, neighbours) -> str:
    """A plain sentence placing the site from the nearest other site ('3.2 km north-east of …')."""
    best = None
    for other in neighbours:
        if other.pk == station.pk:
            continue
        km = geo.haversine_km(other.lat, other.lon, station.lat, station.lon)
        if km <= NEIGHBOUR_KM and (best is None or km < best[0]):
            best = (km, other)
    if best is None:
        return ""
    km, other = best
    direction = compass(geo.initial_bearing(other.lat, other.lon, station.lat, station.lon))
    return _("About %(km)s km %(direction)s of %(site)s.") % {
        "km": f"{km:.1f}",
        "direction": direction,
        "site": other.name,
    }


def where(station) -> dict:
    """What the site page shows under "How to get there"."""
    from .models import Station

    box = geo.bounding_box(station.lat, station.lon, NEIGHBOUR_KM)
    neighbours = (
        Station.objects.public()
        .filter(geo.bbox_q(box))
        .exclude(pk=station.pk)
        .only("pk", "name", "lat", "lon")
    )
    tiles = bool(settings.MAP_TILE_URL)
    context = {
        "links": navigation_links(station),
        "description": position_description(station, neighbours),
        "tiles": tiles,
    }
    if tiles:
        from .present import map_point

        lat, lon = map_point(station)
        context["map_config"] = {
            "tile_url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "crs": settings.MAP_TILE_CRS,
            "pick": False,
            "zoom": 15,
            "points": [
                {
                    "name": station.name,
                    "lat": round(lat, 6),
                    "lon": round(lon, 6),
                    "url": "",
                    "free_truck_bays": None,
                    "free_beds": None,
                }
            ],
            "labels": {"trucks": "", "beds": ""},
        }
    return context
