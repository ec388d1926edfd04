"""Chart labels never clip (issue 16): on a phone, the dashboard's long labels
("Nhập bởi cán bộ (không cần xác minh)") are wrapped or cut to fit inside the
canvas, and hovering a bar shows its full label."""

import datetime

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration

from ..conftest import PASSWORD
from ..reports.test_stats import PERIOD, build_world
from .conftest import log_in

# For every chart: each category tick's widest line against the room the
# axis has inside the canvas, each legend item's width against the canvas,
# and the full labels.
MEASURE = """() => Array.from(document.querySelectorAll("canvas[data-chart]"))
  .filter((canvas) => canvas.chart)
  .map((canvas) => {
    const chart = canvas.chart;
    const ctx = chart.ctx;
    const ticks = [];
    Object.values(chart.scales).forEach((scale) => {
      if (scale.type !== "category" || scale.axis !== "y") { return; }
      ctx.save();
      ctx.font = Chart.helpers.toFont(scale.options.ticks.font).string;
      scale.ticks.forEach((tick) => {
        const lines = [].concat(tick.label);
        ticks.push({
          full: scale.getLabelForValue(tick.value),
          shown: lines.join(" "),
          widest: Math.max(...lines.map((line) => ctx.measureText(line).width)),
          whole: ctx.measureText(scale.getLabelForValue(tick.value)).width,
          room: scale.right,
        });
      });
      ctx.restore();
    });
    const legend = chart.legend && chart.legend.options.display ? chart.legend : null;
    const items = legend ? legend.legendHitBoxes.map((box) => box.left + box.width) : [];
    return { id: canvas.dataset.chart, width: chart.width, ticks, legendRight: items };
  })"""


def test_dashboard_chart_labels_fit_a_phone_and_show_in_full_on_hover(
    site, phone_page, make_user, make_person, places
):
    build_world(places, make_person)
    # One taken in before the commune verified: the longest label has a bar.
    when = timezone.make_aware(datetime.datetime(2021, 8, 2, 9, 30))
    Declaration.objects.create(
        person=make_person(places.commune, full_name="Người Cách Ly"),
        registration_kind="return_home",
        departure_country_id="VN",
        area=places.commune,
        address="9 Lê Lợi",
        transport="car",
        arrival_date=when.date(),
        channel="web",
        verification_state="intake",
        created_at=when,
    )
    make_user("leader.tinh", places.province, tasks=[Task.LEADER])
    page = phone_page
    log_in(page, site, "leader.tinh", PASSWORD)
    page.goto(
        f"{site}/reports/dashboard/?date_from={PERIOD['date_from']}&date_to={PERIOD['date_to']}"
    )
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]')).some(c => c.chart)"
    )
    charts = page.evaluate(MEASURE)
    ticks = [t for chart in charts for t in chart["ticks"]]
    assert ticks, "no chart with labels down its side"
    # Some labels are wider than their room on one line: these clipped before.
    shortened = [t for t in ticks if t["whole"] > t["room"]]
    assert shortened, ticks
    for tick in ticks:
        assert tick["widest"] <= tick["room"] + 1, tick
    for chart in charts:
        for right in chart["legendRight"]:
            assert right <= chart["width"] + 1, chart

    # Hovering the bar of a shortened label shows the whole label.
    side = page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas[data-chart]"))
          .find((c) => c.chart && c.chart.options.indexAxis === "y").dataset.chart"""
    )
    page.locator(f'canvas[data-chart="{side}"]').scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the page scrolls smoothly
    bar = page.evaluate(
        """(labels) => {
          const canvas = Array.from(document.querySelectorAll("canvas[data-chart]"))
            .find((c) => c.chart && c.chart.options.indexAxis === "y");
          const chart = canvas.chart;
          const data = chart.data.datasets[0].data;
          const index = chart.data.labels.findIndex((l, i) => labels.includes(l) && data[i] > 0);
          const bar = chart.getDatasetMeta(0).data[index];
          const box = canvas.getBoundingClientRect();
          return {
            full: chart.data.labels[index],
            x: box.left + (bar.x + bar.base) / 2,
            y: box.top + bar.y,
          };
        }""",
        [t["full"] for t in shortened],
    )
    full = bar["full"]
    assert full
    page.mouse.move(bar["x"], bar["y"])
    page.wait_for_function(
        """(full) => {
          const canvas = Array.from(document.querySelectorAll("canvas[data-chart]"))
            .find((c) => c.chart && c.chart.options.indexAxis === "y");
          const tip = canvas.chart.tooltip;
          return tip && tip.opacity > 0 && (tip.title || []).join(" ") === full;
        }""",
        arg=full,
    )
