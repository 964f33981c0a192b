package rsarl.rewards.math;

import java.util.List;

/** A parsed final answer: a scalar, a structure of answers, a relation, or plain text. */
public sealed interface MathAnswer {

    record Scalar(Expr expr) implements MathAnswer {
    }

    /** Ordered, bracketed: tuples, points, vectors and intervals; the bracket characters matter for intervals. */
    record Seq(char open, char close, List<MathAnswer> items) implements MathAnswer {
    }

    /** Sets ({@code \{1,2\}}) and bare lists ({@code 1, 2}, {@code 1 or 2}): order does not matter. */
    record Unordered(List<MathAnswer> items) implements MathAnswer {
    }

    /** Union of intervals ({@code (-oo,1) \cup (2,oo)}). */
    record Union(List<MathAnswer> parts) implements MathAnswer {
    }

    record Matrix(List<List<MathAnswer>> rows) implements MathAnswer {
    }

    /** A chain like {@code 1 < x <= 3}; ops are "<", "<=", ">", ">=", "!=". */
    record Relation(List<Expr> parts, List<String> ops) implements MathAnswer {
    }

    /** {@code x = 5}, {@code f(2) = 5}, {@code k = \\pm 3}: a name given a value; compared by the value. */
    record Assign(String name, MathAnswer value) implements MathAnswer {
    }

    /** An equation that is not simply {@code var = value}, e.g. {@code y = 2x + 1} with two sides kept. */
    record Equation(Expr lhs, Expr rhs) implements MathAnswer {
    }

    /** Anything that is not mathematics: compared as normalized text. */
    record Text(String text) implements MathAnswer {
    }
}
