package rsarl.rollout.eval;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** accuracy.png: pass@1, majority and pass@N against the population state, with mean ± std seed bands. */
public final class AccuracyPlot {
    private AccuracyPlot() {
    }

    /** Writes the plot; false where this Java cannot draw (warned on stderr, see {@link PngCharts}). */
    public static boolean write(Path file, List<SeedStats> stats, String title) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
                .xAxisTitle("population state (step)").yAxisTitle("accuracy").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setLegendPosition(
                org.knowm.xchart.style.Styler.LegendPosition.InsideSE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        double[] x = stats.stream().mapToDouble(SeedStats::step).toArray();
        add(chart, "pass@1", stats, SeedStats::pass1, new Color(31, 119, 180));
        add(chart, "majority", stats, SeedStats::majority, new Color(255, 127, 14));
        add(chart, "pass@N", stats, SeedStats::passN, new Color(44, 160, 44));
        if (x.length == 1) {
            chart.getStyler().setXAxisMin(x[0] - 1).setXAxisMax(x[0] + 1);
        }
        return PngCharts.save(chart, file);
    }

    private static void add(XYChart chart, String name, List<SeedStats> stats, Function<SeedStats, SeedStats.Stat> metric,
                            Color color) {
        int n = stats.size();
        double[] x = new double[n];
        double[] mean = new double[n];
        boolean band = false;
        for (int i = 0; i < n; i++) {
            x[i] = stats.get(i).step();
            SeedStats.Stat s = metric.apply(stats.get(i));
            mean[i] = Double.isNaN(s.mean()) ? 0 : s.mean();
            band |= stats.get(i).seeds() > 1;
        }
        if (band) {
            // The band is a closed polygon: upper edge left to right, lower edge back.
            double[] px = new double[2 * n];
            double[] py = new double[2 * n];
            for (int i = 0; i < n; i++) {
                SeedStats.Stat s = metric.apply(stats.get(i));
                double std = Double.isNaN(s.std()) ? 0 : s.std();
                px[i] = x[i];
                py[i] = Math.min(1, mean[i] + std);
                px[2 * n - 1 - i] = x[i];
                py[2 * n - 1 - i] = Math.max(0, mean[i] - std);
            }
            XYSeries area = chart.addSeries(name + " ± std", px, py);
            area.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            area.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 50));
            area.setLineColor(new Color(0, 0, 0, 0));
            area.setMarker(SeriesMarkers.NONE);
            area.setShowInLegend(false);
        }
        XYSeries line = chart.addSeries(name, x, mean);
        line.setLineColor(color);
        line.setMarkerColor(color);
        line.setMarker(SeriesMarkers.CIRCLE);
    }
}
