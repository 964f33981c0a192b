package rsarl.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Bad input ends with one clear line on stderr (a config with several problems: one line each) and a non-zero
 * exit, never a bare stack trace or a page of
 * usage: exit 1 for a failed run, 2 for a bad command line. Set RSA_DEBUG=1 to see the trace.
 */
final class OneLineErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        // Native errors (libtorch) can run to pages: their first line says what went wrong. A config's problems are
        // listed one per line, all of them.
        int nl = msg.indexOf('\n');
        if (nl >= 0 && !(ex instanceof rsarl.rollout.config.ConfigException)) {
            msg = msg.substring(0, nl).strip() + " (RSA_DEBUG=1 shows the rest)";
        }
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": error: " + msg);
        if (System.getenv("RSA_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        return 1;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(name + ": error: " + ex.getMessage() + " (see '" + name + " --help')");
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }
}
