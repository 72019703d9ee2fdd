"""Forms of the territory app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.core.crs import CRS_CHOICES

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class BoundaryImportForm(forms.Form):
    """The admin upload for :func:`gridgov.territory.boundary_import.import_boundaries`."""

    file = forms.FileField(
        label=_("GeoJSON 文件"),
        help_text=_("FeatureCollection;区划要素带 code、name、level、parent,网格要素带 code、name、type、parent。"),
    )
    crs = forms.ChoiceField(
        label=_("坐标系"),
        choices=CRS_CHOICES,
        initial="gcj02",
        help_text=_("文件坐标所用的坐标系:高德等国内地图为 gcj02,百度为 bd09,GPS 为 wgs84。保存时统一转换为 WGS-84。"),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件太大(上限 200 MB)。"))
        return upload
