"""Exports of the tables of figures: the statistics tables, the share of paper
per commune and the facility board. Their rows are computed as their pages
compute them (vigil.reports.stats, vigil.quarantine.board: scoped through
`visible_to`), then written by the same streaming writer (`exports.Rows`),
with the total row last and every place as its commune, district and
province.

Headers are Vietnamese literals (the province's file format); the labels of
a table's groups (colours, channels...) are its page's, in the active
language."""

from vigil.core.permissions import READ_QUARANTINE, READ_STATISTICS

from .exports import NUMBER, Column, ExportSpec, Rows, register
from .exports_places import unit_place_columns, unit_places

TOTAL = "Tổng cộng"

# The statistics tables ("Thống kê") ------------------------------------------------


def build_stats_table(default_rows):
    def build(user, query):
        from .stats import build_table

        rows_by = query.get("rows") or default_rows
        if rows_by == "vehicle" and "transport" not in query:
            query = query.copy()  # flights, as on the page
            query["transport"] = "plane"
        table = build_table(user, query, rows=rows_by, cols=query.get("cols", ""))
        return _table_rows(table), _table_filters(table)

    return build


def _table_filters(table):
    from .registry import describe

    out = describe(table.form)
    if table.unit is not None and table.rows_by == "area":
        out.insert(0, f"Địa bàn: {table.unit.full_name()}")
    return out


def _table_rows(table):
    """The table's rows and total as tuples (label, total, *cells), with their
    columns. An area's rows are the units below the table's unit: the unit's
    full name says where each lies ("Xã Hương Phong" is two communes)."""
    within = table.unit.full_name() if table.unit is not None and table.rows_by == "area" else ""
    columns = [Column(str(table.row_label), lambda r: r[0], width=28)]
    if within:
        columns.append(Column("Thuộc", lambda r: within if r[0] != TOTAL else "", width=36))
    columns.append(Column("Tổng", lambda r: r[1], kind=NUMBER, width=10))
    for n, (_key, label, _colour) in enumerate(table.columns):
        columns.append(Column(str(label), lambda r, n=n: r[2 + n], kind=NUMBER, width=12))
    rows = [(str(row.label), row.total.value, *(c.value for c in row.cells)) for row in table.rows]
    if table.total is not None and not table.invalid:
        rows.append((TOTAL, table.total.value, *(c.value for c in table.totals)))
    return Rows(rows, columns)


for _rows_by, _title in (
    ("area", "Thống kê người về theo địa bàn"),
    ("departure", "Thống kê người về theo điểm khởi hành"),
    ("vehicle", "Tổng hợp người về theo chuyến bay / phương tiện"),
):
    register(
        ExportSpec(
            key=f"stats_{_rows_by}",
            title=_title,
            capability=READ_STATISTICS,
            build=build_stats_table(_rows_by),
        )
    )


# The share of paper per commune (R-P3) ---------------------------------------------


def build_paper(user, query):
    """The ranking with, per commune, why paper was used and how late it was
    digitised (§II.12), as the page shows them."""
    from .registry import describe
    from .stats import StatsFilterForm, paper, paper_ranking

    form = StatsFilterForm(query, user=user)
    ranking = paper_ranking(user, query, form=form, details=True)
    places = unit_places([row.unit for row in ranking])
    rows = []
    for n, row in enumerate(ranking, 1):
        delay = row.delay
        rows.append(
            (
                n,
                places[row.unit.pk],
                row.paper.value,
                row.total.value,
                row.percent,
                *(cell.value for _label, cell in row.reasons),
                delay.median if delay else None,
                delay.worst if delay else None,
            )
        )
    reasons = [
        Column(f"Lý do: {label}", lambda r, n=n: r[5 + n], kind=NUMBER, width=12)
        for n, (_value, label) in enumerate(paper.REASONS)
    ]
    at = 5 + len(reasons)
    columns = [
        *PAPER_COLUMNS,
        *reasons,
        Column("Chậm số hóa: trung vị (ngày)", lambda r: r[at], kind=NUMBER, width=12),
        Column("Chậm số hóa: lâu nhất (ngày)", lambda r: r[at + 1], kind=NUMBER, width=12),
    ]
    return Rows(rows, columns), describe(form)


PAPER_COLUMNS = [
    Column("Hạng", lambda r: r[0], kind=NUMBER, width=6),
    *unit_place_columns(lambda r: r[1]),
    Column("Tờ khai giấy", lambda r: r[2], kind=NUMBER, width=12),
    Column("Tất cả kênh", lambda r: r[3], kind=NUMBER, width=12),
    Column("Tỷ lệ giấy (%)", lambda r: r[4], kind=NUMBER, width=12),
]

register(
    ExportSpec(
        key="stats_paper",
        title="Tỷ lệ tờ khai giấy theo phường/xã",
        capability=READ_STATISTICS,
        build=build_paper,
        columns=PAPER_COLUMNS,
    )
)


# The facility board ("Bảng theo dõi khu cách ly", R-Q4) -----------------------------

BOARD_FIGURES = (
    ("Số giường", "beds"),
    ("Đã sử dụng", "occupied"),
    ("Tỷ lệ sử dụng (%)", "percent"),
    ("Còn trống", "free"),
    ("Đang cách ly", "inside"),
    ("Tiếp nhận (14 ngày)", "arrivals"),
    ("Hoàn thành (14 ngày)", "discharges"),
    ("Tiếp nhận hôm nay", "arrivals_today"),
    ("Hoàn thành hôm nay", "discharges_today"),
    ("Đến hạn hôm nay", "due_today"),
    ("Đến hạn ngày mai", "due_tomorrow"),
)


def build_board(user, query):
    from vigil.quarantine import board
    from vigil.quarantine.forms import BoardFilterForm

    from .registry import describe

    form = BoardFilterForm(query, user=user)
    figures = board.build_board(user, form)
    places = unit_places([row["facility"].area for row in figures["rows"]])
    rows = [
        {**row, "name": row["facility"].name, "place": places[row["facility"].area_id]}
        for row in figures["rows"]
    ]
    rows.append({**figures["total"], "name": TOTAL, "place": {}})
    return Rows(rows), describe(form)


register(
    ExportSpec(
        key="quarantine_board",
        title="Bảng theo dõi khu cách ly",
        capability=READ_QUARANTINE,
        build=build_board,
        columns=[
            Column("Khu cách ly", lambda r: r["name"], width=28),
            *unit_place_columns(lambda r: r["place"]),
            *(
                Column(header, lambda r, k=key: r[k], kind=NUMBER, width=11)
                for header, key in BOARD_FIGURES
            ),  # fmt: skip
        ],
    )
)
