#!/usr/bin/env python3
"""Writes the Parquet test fixtures of rewards/ (ProblemReaderParquetTest) with pyarrow, in the column layouts of the
files people download: verl's preprocessed GSM8K (snappy), HF MATH-500 (zstd), an AIME table with capitalised columns
(gzip) and a GPQA/MMLU-style multiple-choice table (uncompressed). Needs pyarrow; the fixtures are committed."""
import sys
from pathlib import Path

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    sys.exit("make-parquet-fixtures: needs pyarrow (pip install pyarrow)")

out = Path(__file__).resolve().parent.parent / "rewards/src/test/resources/parquet"
out.mkdir(parents=True, exist_ok=True)

verl = [{"data_source": "openai/gsm8k",
         "prompt": [{"role": "user", "content": q + " Let's think step by step and output the final answer after \"####\"."}],
         "ability": "math", "reward_model": {"style": "rule", "ground_truth": a},
         "extra_info": {"split": "test", "index": i, "answer": "... #### " + a, "question": q}}
        for i, (q, a) in enumerate([("Janet has 3 apples and buys 4 more. How many does she have?", "7"),
                                    ("A train travels 60 km in 1.5 hours. What is its speed in km/h?", "40")])]
pq.write_table(pa.Table.from_pylist(verl), out / "verl-gsm8k.parquet", compression="snappy")

math500 = [{"problem": "What is $\\frac{1}{2} + \\frac{1}{3}$?", "solution": "... $\\boxed{\\frac{5}{6}}$.",
            "answer": "\\frac{5}{6}", "subject": "Prealgebra", "level": 2, "unique_id": "test/prealgebra/1.json"},
           {"problem": "Find $x$ if $2x + 3 = 11$.", "solution": "$x = \\boxed{4}$", "answer": "4",
            "subject": "Algebra", "level": 1, "unique_id": "test/algebra/7.json"}]
pq.write_table(pa.Table.from_pylist(math500), out / "math500.parquet", compression="zstd")

aime = [{"ID": "2024-I-1", "Problem": "Find the remainder when $7^{100}$ is divided by $5$.", "Solution": "...",
         "Answer": 1},
        {"ID": "2024-I-2", "Problem": "How many positive divisors does $72$ have?", "Solution": "...", "Answer": 12}]
pq.write_table(pa.Table.from_pylist(aime), out / "aime.parquet", compression="gzip")

gpqa = [{"question": "Which particle mediates the electromagnetic force?",
         "choices": ["gluon", "photon", "W boson", "graviton"], "answer": 1, "subject": "physics"}]
pq.write_table(pa.Table.from_pylist(gpqa), out / "gpqa-style.parquet", compression="none")
print("wrote", *sorted(p.name for p in out.glob("*.parquet")))
