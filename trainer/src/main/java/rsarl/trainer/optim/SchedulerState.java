package rsarl.trainer.optim;

/** {@code scheduler.json}: the schedule's parameters and how many updates it has driven. */
public record SchedulerState(String type, double baseLr, long warmupSteps, long totalSteps, long lastUpdate) {
    public static SchedulerState of(LrSchedule s, long updatesDone) {
        return new SchedulerState(s.type().name().toLowerCase(java.util.Locale.ROOT), s.baseLr(), s.warmupSteps(),
                s.totalSteps(), updatesDone);
    }

    public LrSchedule schedule() {
        return new LrSchedule(LrSchedule.Type.parse(type), baseLr, warmupSteps, totalSteps);
    }
}
