package rsarl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rsa} command: one subcommand per job. */
@Command(name = "rsa", mixinStandardHelpOptions = true, version = "rsa-rl 0.1.0",
        description = "Recursive Self-Aggregation and aggregation-aware RL for Qwen-family models.",
        subcommands = {
                CommandLine.HelpCommand.class,
                MakeTokenizerCommand.class,
                InitModelCommand.class,
                ScoreCommand.class,
                GenerateCommand.class,
                BenchGenerateCommand.class,
                GradeCommand.class,
                MakeDatasetCommand.class,
                BenchRewardsCommand.class,
                EvalCommand.class,
                CandidatesCommand.class,
                ServeCommand.class,
                SftCommand.class,
                MakeAggSftCommand.class,
                DemoReportCommand.class,
                TrainCommand.class,
                SweepCommand.class,
                BenchTrainCommand.class,
                DoctorCommand.class,
        })
public final class Rsa {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (used by tests without exiting the JVM). */
    public static int run(String... args) {
        DjlEnvironment.configure();
        CommandLine cl = new CommandLine(new Rsa());
        OneLineErrors errors = new OneLineErrors();
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        return cl.execute(args);
    }
}
