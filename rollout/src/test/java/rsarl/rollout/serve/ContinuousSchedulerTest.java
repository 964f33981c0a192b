package rsarl.rollout.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.Completion;
import rsarl.model.GenerationRequest;
import rsarl.model.Generator;
import rsarl.model.QwenModel;
import rsarl.model.SamplingParams;
import rsarl.rollout.TinyModel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A row submitted while a batch decodes joins it, gets its solo tokens, and is answered when it ends. */
class ContinuousSchedulerTest {
    @Test
    void aLateRowJoinsTheRunningBatchAndFinishesFirst(@TempDir Path tmp) throws Exception {
        try (QwenModel model = QwenModel.load(TinyModel.create(tmp.resolve("m"), 5))) {
            Generator gen = new Generator(model);
            // no eos in the stop set can end these early: the model's eos ids are not stop ids of a raw request
            GenerationRequest longRow = new GenerationRequest(new int[] {3, 4, 5, 6, 7}, SamplingParams.of(1.0, 1.0, 120), 1);
            GenerationRequest lateRow = new GenerationRequest(new int[] {9, 8}, SamplingParams.greedy(4), 2);
            Completion longSolo = gen.generate(List.of(longRow)).get(0);
            Completion lateSolo = gen.generate(List.of(lateRow)).get(0);
            assertTrue(longSolo.tokenIds().length >= 60, "the first row runs long: " + longSolo.tokenIds().length);
            CountDownLatch started = new CountDownLatch(3);
            try (BatchScheduler s = new BatchScheduler(gen, 8, Duration.ZERO, Duration.ZERO, 100, 10_000)) {
                CompletableFuture<Completion> first = s.submit(List.of(longRow),
                        List.of((req, index, token, lp, ti, tl) -> started.countDown())).get(0);
                assertTrue(started.await(60, TimeUnit.SECONDS));
                CompletableFuture<Completion> late = s.submit(List.of(lateRow)).get(0);
                Completion lateDone = late.get(60, TimeUnit.SECONDS);
                assertFalse(first.isDone(), "the late row was answered while the first still decodes");
                Completion firstDone = first.get(60, TimeUnit.SECONDS);
                assertArrayEquals(lateSolo.tokenIds(), lateDone.tokenIds());
                assertArrayEquals(longSolo.tokenIds(), firstDone.tokenIds());
                assertEquals(1, s.batches(), "one batch: the late row joined it");
                assertEquals(2, s.largestBatch());
            }
        }
    }
}
