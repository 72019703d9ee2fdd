"""A raster index answering "which is the lowest-ranked polygon covering this point", exactly and fast.

The extent of the polygons is cut into a uniform raster of square cells. While building, every cell is put in
one of three classes:

* **empty** — no polygon touches it;
* **owned** — no polygon edge comes near it and it lies inside one or more polygons' interiors: the answer for
  every point in it is known in advance (the lowest-ranked of them);
* **boundary** — some polygon edge touches it (closed cell, widened by a tiny margin against rounding): it keeps
  the list of polygons that meet it, in rank order, and a point falling in it is resolved exactly with GEOS
  (``shapely.intersects_xy`` on prepared polygons — *covers*, boundary included), the first hit winning.

So a query is a few vectorised array operations for almost every point plus exact point-in-polygon tests for the
few that fall near an edge, and its answer is the same as a brute-force "lowest-ranked polygon that covers the
point" over all polygons — including points exactly on shared edges and vertices.

The build is vectorised as well: polygon edges are rasterised by their crossings of the raster lines; between two
cells a polygon's edges touch in one raster row, the cells are either all inside that polygon or all outside,
which one test point per such run decides.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

# Margin, in cells, by which an edge "touches" a cell. Coordinates are converted to cell units with a handful of
# float operations (relative error ~1e-16, i.e. ~1e-12 cells at the raster sizes used): 1e-6 cells is far above
# that error and far below anything that changes how many cells are boundary cells.
_MARGIN = 1e-6

DEFAULT_CELLS_PER_POLYGON = 1024
MIN_CELLS = 1 << 12
MAX_CELLS = 1 << 23

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
ArrayLike = FloatArray | list[float] | tuple[float, ...]


class PolygonIndex:
    """Index of ``polygons`` (a sequence of shapely Polygons/MultiPolygons, WGS-84 lon/lat or any planar
    coordinates). A polygon's position in the sequence is its rank: where several cover a point, the lowest
    position wins."""

    def __init__(
        self,
        polygons: NDArray[np.object_] | list[object],
        *,
        cells_per_polygon: int = DEFAULT_CELLS_PER_POLYGON,
        max_cells: int = MAX_CELLS,
    ) -> None:
        polys = np.asarray(polygons, dtype=object)
        if polys.ndim != 1:
            polys = polys.reshape(-1)
        self.polygons = polys
        self.size = len(polys)
        shapely.prepare(polys)
        usable = self.size > 0 and not bool(shapely.is_empty(polys).all())
        if not usable:
            self._empty_raster()
            return
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(polys))
        width, height = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        target = min(max(self.size * cells_per_polygon, MIN_CELLS), max_cells)
        side = math.sqrt(width * height / target)
        side = max(side, width / 4096 / 16, height / 4096 / 16)  # keep a degenerate (thin) extent bounded
        # Two empty cells of padding on every side: rows never begin inside a polygon, and a query clamps points
        # beyond the raster into cells that no edge touches.
        self.cell = side
        self.inv = 1.0 / side
        self.ox = minx - 2 * side
        self.oy = miny - 2 * side
        self.nx = math.ceil(width / side) + 5
        self.ny = math.ceil(height / side) + 5
        self._build()
        # GEOS builds a prepared polygon's point locator on first use; do it now, in one thread, so that
        # concurrent queries only ever read it.
        ok = ~shapely.is_empty(polys)
        shapely.intersects_xy(polys[ok], np.full(int(ok.sum()), minx), np.full(int(ok.sum()), miny))

    # --- build ------------------------------------------------------------------------------------------------

    def _empty_raster(self) -> None:
        self.cell = self.inv = 1.0
        self.ox = self.oy = 0.0
        self.nx = self.ny = 1
        self.table = np.full(1, -1, dtype=np.int32)
        self.cand_ptr = np.zeros(1, dtype=np.int64)
        self.cand = np.zeros(0, dtype=np.int64)

    def _segments(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
        """Every edge of every ring, in cell units, with the rank of its polygon."""
        parts, part_owner = shapely.get_parts(self.polygons, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = coord_ring[:-1] == coord_ring[1:]
        owner = part_owner[ring_part[coord_ring[:-1][same]]].astype(np.int64)
        u = (coords[:, 0] - self.ox) * self.inv
        v = (coords[:, 1] - self.oy) * self.inv
        return u[:-1][same], v[:-1][same], u[1:][same], v[1:][same], owner

    def _touched(self) -> IntArray:
        """Sorted unique keys ``rank * ncells + cell`` of (polygon, cell) pairs where the polygon's boundary
        touches the (slightly widened) closed cell."""
        u0, v0, u1, v1, owner = self._segments()
        nx = self.nx
        cols: list[IntArray] = []
        rows: list[IntArray] = []
        polys: list[IntArray] = []

        def add(c: FloatArray | IntArray, r: FloatArray | IntArray, p: IntArray) -> None:
            cols.append(np.asarray(c, dtype=np.int64))
            rows.append(np.asarray(r, dtype=np.int64))
            polys.append(p)

        # Cells around each vertex (the neighbours only where the vertex lies within the margin of a line).
        ulo, uhi = np.floor(u0 - _MARGIN), np.floor(u0 + _MARGIN)
        vlo, vhi = np.floor(v0 - _MARGIN), np.floor(v0 + _MARGIN)
        add(ulo, vlo, owner)
        for cu, cv in ((uhi, vlo), (ulo, vhi), (uhi, vhi)):
            differs = (cu != ulo) | (cv != vlo)
            add(cu[differs], cv[differs], owner[differs])

        # Crossings with the vertical raster lines u = k (k integer, strictly inside the edge's u-range), and,
        # by symmetry, with the horizontal lines.
        for a0, a1, b0, b1, vertical in ((u0, u1, v0, v1, True), (v0, v1, u0, u1, False)):
            lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
            first = np.floor(lo).astype(np.int64) + 1
            count = np.floor(hi).astype(np.int64) - first + 1
            count[count < 0] = 0
            seg = np.repeat(np.arange(len(a0)), count)
            if not len(seg):
                continue
            starts = np.cumsum(count) - count
            k = first[seg] + (np.arange(len(seg)) - np.repeat(starts, count))
            da = a1[seg] - a0[seg]
            b = b0[seg] + (k - a0[seg]) * ((b1[seg] - b0[seg]) / da)
            p = owner[seg]
            b_lo, b_hi = np.floor(b - _MARGIN), np.floor(b + _MARGIN)
            near = b_hi != b_lo
            for fb, kk, pp in ((b_lo, k, p), (b_hi[near], k[near], p[near])):
                for side in (kk - 1, kk):
                    if vertical:
                        add(side, fb, pp)
                    else:
                        add(fb, side, pp)

        col = np.concatenate(cols)
        row = np.concatenate(rows)
        poly = np.concatenate(polys)
        # Padding keeps every edge inside the raster; clip defensively all the same.
        np.clip(col, 0, nx - 1, out=col)
        np.clip(row, 0, self.ny - 1, out=row)
        ncells = nx * self.ny
        return _sorted_unique(poly * ncells + row * nx + col)

    def _build(self) -> None:
        nx, ncells = self.nx, self.nx * self.ny
        touched = self._touched()
        t_poly, t_cell = np.divmod(touched, ncells)
        boundary = np.zeros(ncells, dtype=bool)
        boundary[t_cell] = True

        # Runs between two consecutive cells a polygon touches in the same row: all inside it or all outside.
        t_row = t_cell // nx
        nxt = np.arange(1, len(touched))
        gap = (t_poly[:-1] == t_poly[1:]) & (t_row[:-1] == t_row[1:]) & (t_cell[1:] - t_cell[:-1] > 1)
        g = np.nonzero(gap)[0]
        g_start = t_cell[g] + 1
        g_len = t_cell[nxt[g]] - g_start
        g_poly = t_poly[g]
        test_col = g_start % nx
        test_row = g_start // nx
        inside = shapely.intersects_xy(
            self.polygons[g_poly],
            self.ox + (test_col + 0.5) * self.cell,
            self.oy + (test_row + 0.5) * self.cell,
        )
        g_start, g_len, g_poly = g_start[inside], g_len[inside], g_poly[inside]
        in_cell = np.repeat(g_start - np.cumsum(g_len) + g_len, g_len) + np.arange(int(g_len.sum()))
        in_poly = np.repeat(g_poly, g_len)

        owner = np.full(ncells, np.iinfo(np.int32).max, dtype=np.int32)
        interior = ~boundary[in_cell]
        np.minimum.at(owner, in_cell[interior], in_poly[interior].astype(np.int32))
        table = np.where(owner == np.iinfo(np.int32).max, np.int32(-1), owner)

        # Boundary cells: the polygons whose edges touch them, plus (only where polygons overlap) those that
        # contain them whole; in rank order.
        npoly = max(self.size, 1)
        keys = _sorted_unique(
            np.concatenate([t_cell * npoly + t_poly, in_cell[~interior] * npoly + in_poly[~interior]])
        )
        c_cell, c_poly = np.divmod(keys, npoly)
        b_first = np.flatnonzero(np.concatenate([[True], c_cell[1:] != c_cell[:-1]]))
        b_cells = c_cell[b_first]
        table[b_cells] = -2 - np.arange(len(b_cells), dtype=np.int32)
        self.table = table
        self.cand_ptr = np.append(b_first, len(c_poly)).astype(np.int64)
        self.cand = c_poly.astype(np.int64)

    # --- query ------------------------------------------------------------------------------------------------

    @property
    def cell_count(self) -> int:
        return self.nx * self.ny

    @property
    def boundary_cell_count(self) -> int:
        return len(self.cand_ptr) - 1

    def candidates(self, x: float, y: float) -> IntArray:
        """Ranks of the polygons that may cover ``(x, y)`` (for a single-point lookup)."""
        u, v = (x - self.ox) * self.inv, (y - self.oy) * self.inv
        if not (0 <= u < self.nx and 0 <= v < self.ny):
            return np.zeros(0, dtype=np.int64)
        val = int(self.table[int(v) * self.nx + int(u)])
        if val >= 0:
            return np.array([val], dtype=np.int64)
        if val == -1:
            return np.zeros(0, dtype=np.int64)
        b = -2 - val
        return self.cand[self.cand_ptr[b] : self.cand_ptr[b + 1]]

    def first_covering(self, x: ArrayLike, y: ArrayLike) -> IntArray:
        """For each point, the rank of the lowest-ranked polygon covering it (boundary included), or -1."""
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        # Points beyond the raster (and NaN, which fmax turns into 0) are clamped into the empty padding at its
        # border, which answers -1 for them without a separate mask.
        u = xs - self.ox
        u *= self.inv
        np.fmax(u, 0.0, out=u)
        np.fmin(u, self.nx - 0.5, out=u)
        v = ys - self.oy
        v *= self.inv
        np.fmax(v, 0.0, out=v)
        np.fmin(v, self.ny - 0.5, out=v)
        cell = v.astype(np.intp)
        cell *= self.nx
        cell += u.astype(np.intp)
        out = self.table[cell].astype(np.int64)
        near = np.flatnonzero(out <= -2)
        if len(near):
            out[near] = self._resolve(near, out[near], xs, ys)
        return out

    def _resolve(self, idx: IntArray, val: IntArray, xs: FloatArray, ys: FloatArray) -> IntArray:
        b = -2 - val
        start = self.cand_ptr[b]
        count = self.cand_ptr[b + 1] - start
        res = np.full(len(idx), -1, dtype=np.int64)
        active = np.arange(len(idx))
        r = 0
        while len(active):
            c = self.cand[start[active] + r]
            pts = idx[active]
            hit = shapely.intersects_xy(self.polygons[c], xs[pts], ys[pts])
            res[active[hit]] = c[hit]
            active = active[~hit]
            r += 1
            active = active[count[active] > r]
        return res


def _sorted_unique(a: IntArray) -> IntArray:
    # np.unique's hash-based path is far slower than a sort on tens of millions of integers.
    a = np.sort(a)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]
