package rsarl.cli.sweep;

import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code summary.png}: the headline metric (the first of {@link SweepResults#metrics()}) against the first grid key,
 * one line per combination of the other keys, error bars one standard deviation over seeds. A cell without results
 * is left out of its line.
 */
public final class SweepPlot {
    private SweepPlot() {
    }

    public static void write(SweepPlan plan, SweepResults r, Path file) {
        System.setProperty("java.awt.headless", "true");
        String metric = r.metrics().get(0);
        List<String> keys = new ArrayList<>(plan.config().grid().keySet());
        String xKey = keys.isEmpty() ? null : keys.get(0);
        List<String> rest = keys.isEmpty() ? List.of() : keys.subList(1, keys.size());
        List<String> shortRest = SweepPlan.shortNames(keys).subList(Math.min(1, keys.size()), keys.size());
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500)
                .title(metric + " by " + (xKey == null ? "cell" : xKey) + " (" + plan.config().outputDir().getFileName() + ")")
                .xAxisTitle(xKey == null ? "cell" : xKey).yAxisTitle(metric + " (mean ± std over seeds)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0); // every headline metric is a rate or a reward in [0, 1]
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        Map<String, List<Object[]>> lines = new LinkedHashMap<>();
        Map<SweepPlan.Cell, SweepSummary.Stat> means = SweepSummary.means(plan, r, metric);
        for (SweepPlan.Cell cell : plan.cells()) {
            SweepSummary.Stat s = means.get(cell);
            if (Double.isNaN(s.mean())) {
                continue;
            }
            String line = rest.isEmpty() ? metric : rest.stream()
                    .map(k -> shortRest.get(rest.indexOf(k)) + "=" + cell.label(k)).collect(Collectors.joining(", "));
            String x = xKey == null ? cell.name() : cell.label(xKey);
            lines.computeIfAbsent(line, l -> new ArrayList<>()).add(new Object[] {x, s.mean(), s.std()});
        }
        for (Map.Entry<String, List<Object[]>> e : lines.entrySet()) {
            List<String> x = e.getValue().stream().map(p -> (String) p[0]).toList();
            List<Double> y = e.getValue().stream().map(p -> (Double) p[1]).toList();
            List<Double> err = e.getValue().stream().map(p -> (Double) p[2]).toList();
            chart.addSeries(e.getKey(), x, y, err);
        }
        if (lines.isEmpty()) {
            chart.addSeries("no finished runs", List.of("-"), List.of(0.0));
        }
        rsarl.rollout.eval.PngCharts.save(chart, file);
    }
}
