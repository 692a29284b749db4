package io.flowbatch.admin;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The last hour's sends as SVG bars, laid out here so the page needs no script. */
record ThroughputChart(List<Bar> bars, long max, long total, int width, int height, String from, String to) {

    static final int BAR_WIDTH = 10;

    static final int HEIGHT = 120;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    static ThroughputChart of(List<DashboardQueries.MinuteCount> minutes) {
        long max = minutes.stream().mapToLong(DashboardQueries.MinuteCount::sent).max().orElse(0);
        long total = minutes.stream().mapToLong(DashboardQueries.MinuteCount::sent).sum();
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < minutes.size(); i++) {
            DashboardQueries.MinuteCount minute = minutes.get(i);
            int height = (max > 0) ? (int) Math.max((minute.sent() > 0) ? 2 : 0, minute.sent() * (HEIGHT - 10) / max)
                    : 0;
            bars.add(new Bar(i * BAR_WIDTH, HEIGHT - height, BAR_WIDTH - 2, height,
                    TIME.format(minute.minute()) + " UTC: " + minute.sent() + " sent"));
        }
        String from = minutes.isEmpty() ? "" : TIME.format(minutes.get(0).minute());
        String to = minutes.isEmpty() ? "" : TIME.format(minutes.get(minutes.size() - 1).minute());
        return new ThroughputChart(bars, max, total, minutes.size() * BAR_WIDTH, HEIGHT, from, to);
    }

    /** One minute's bar. */
    record Bar(int x, int y, int width, int height, String title) {

        /**
         * The bar with its tooltip, as SVG markup; every value in it is a number or a
         * formatted time.
         */
        public String svg() {
            return "<title>" + title + "</title><rect x=\"" + x + "\" y=\"" + y + "\" width=\"" + width + "\" height=\""
                    + height + "\"></rect>";
        }

    }

}
