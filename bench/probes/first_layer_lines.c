/*
 * Who owns the first layer's cache lines on two threads: a model of W1's 784x128 layer through one training step.
 *
 * A step touches the layer's weights W, gradient G and Adam moments M, V (784x128 floats each, 392 KB) three times:
 *   forward   reads W        (the product X.W; in NeuralPS split across threads by C's columns at batch 32 and 128)
 *   backward  writes G       (the product X^T.dZ; split by G's rows)
 *   Adam      reads G, M, V, W and writes M, V, W   (split into two contiguous halves)
 * This program keeps only those memory touches (the arithmetic of Adam is real, the products are reduced to their
 * reads and writes of the layer) and times them with 1 or 2 threads, a spin barrier between phases as the pool has.
 *
 * Layouts (argument 2):
 *   current   forward by columns, backward by rows, Adam by contiguous halves: what NeuralPS does now.
 *   columns   every phase by column halves of the row-major layer.
 *   blocked   every phase by column halves, each half stored contiguously ([2][784][64]).
 *   inputs    every phase by row halves (the forward product split over its k, the layer's inputs).
 *
 * Measured on this project's 2-core AMD EPYC VM (Zen 5), us a step, phases of thread 0 (forward / backward / Adam):
 *   1 thread, current:  24   (4 / 3 / 17)
 *   2 threads current:  76-81 (15-20 / 2 / 55-61)   Adam on two threads is 3x slower than on one
 *   2 threads columns: 169-175 (10-12 / 35-37 / 123-126)
 *   2 threads blocked:  13-16 (3-4 / 2-3 / 7-9)
 *   2 threads inputs:   12-17 (2-4 / 2-3 / 8-10)
 * With "current", Adam writes W's lines that the other core's forward read (Shared there: each store waits for the
 * other core to drop its copy). With "columns", the hardware prefetchers carry each thread's row walk into the other
 * half of the row, the half the other thread is writing. The two layouts in which each thread only ever touches its
 * own lines are 5x faster.
 *
 * Build and run: gcc -O2 -mavx512f -o /tmp/first_layer_lines bench/probes/first_layer_lines.c -lpthread
 *                /tmp/first_layer_lines 2 current      (threads: 1 or 2)
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROWS 784
#define COLS 128
#define SIZE (ROWS * COLS)
#define STEPS 5000

enum layout { CURRENT, COLUMNS, BLOCKED, INPUTS };

static float *w, *g, *m, *v;
static int threads;
static enum layout layout;
static atomic_int arrived, generation;
static double phase_us[3];
static volatile float sink;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void barrier(void)
{
    int seen = atomic_load(&generation);
    if (atomic_fetch_add(&arrived, 1) == threads - 1) {
        atomic_store(&arrived, 0);
        atomic_fetch_add(&generation, 1);
    } else {
        while (atomic_load(&generation) == seen) _mm_pause();
    }
}

/* Adam on the 16 floats at i, PyTorch's operations (no fused multiply-add), as NeuralPS's vector loop. */
static inline void adam16(int i)
{
    __m512 b1 = _mm512_set1_ps(0.9f), b2 = _mm512_set1_ps(0.999f), r1 = _mm512_set1_ps(0.1f), r2 = _mm512_set1_ps(0.001f);
    __m512 step = _mm512_set1_ps(1e-3f), inv_bc2_root = _mm512_set1_ps(1.1f), eps = _mm512_set1_ps(1e-8f);
    __m512 gi = _mm512_load_ps(g + i);
    __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_load_ps(m + i)), _mm512_mul_ps(r1, gi));
    __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_load_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(r2, gi), gi));
    _mm512_store_ps(m + i, mi);
    _mm512_store_ps(v + i, vi);
    __m512 update = _mm512_div_ps(_mm512_mul_ps(step, mi), _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), inv_bc2_root), eps));
    _mm512_store_ps(w + i, _mm512_sub_ps(_mm512_load_ps(w + i), update));
}

/* Where column c (counted from c0, the first of the thread's columns) of row r lies: in the thread's own block
 * (BLOCKED), or in the row-major layer. */
static inline int at(int t, int r, int c, int c0, int width)
{
    return layout == BLOCKED ? t * ROWS * width + r * width + c : r * COLS + c0 + c;
}

static void *run(void *arg)
{
    int t = (int)(long)arg;
    int c0 = t * COLS / threads, c1 = (t + 1) * COLS / threads, width = c1 - c0;
    int r0 = t * ROWS / threads, r1 = (t + 1) * ROWS / threads;
    int half = SIZE / threads, s0 = t * half, s1 = t == threads - 1 ? SIZE : s0 + half;
    for (int step = 0; step < STEPS; step++) {
        double t0 = now();
        __m512 sum = _mm512_setzero_ps();
        if (layout == INPUTS) {
            for (int r = r0; r < r1; r++) for (int c = 0; c < COLS; c += 16) sum = _mm512_add_ps(sum, _mm512_load_ps(w + r * COLS + c));
        } else {
            for (int r = 0; r < ROWS; r++) for (int c = 0; c < width; c += 16) sum = _mm512_add_ps(sum, _mm512_load_ps(w + at(t, r, c, c0, width)));
        }
        sink += _mm512_reduce_add_ps(sum);
        barrier();
        double t1 = now();
        if (layout == CURRENT || layout == INPUTS) {
            for (int r = r0; r < r1; r++) for (int c = 0; c < COLS; c += 16) _mm512_store_ps(g + r * COLS + c, _mm512_set1_ps(0.01f * (r & 7)));
        } else {
            for (int r = 0; r < ROWS; r++) for (int c = 0; c < width; c += 16)
                _mm512_store_ps(g + at(t, r, c, c0, width), _mm512_set1_ps(0.01f * (r & 7)));
        }
        barrier();
        double t2 = now();
        if (layout == CURRENT) for (int i = s0; i < s1; i += 16) adam16(i);
        else if (layout == INPUTS) for (int i = r0 * COLS; i < r1 * COLS; i += 16) adam16(i);
        else if (layout == BLOCKED) for (int i = 0; i < ROWS * width; i += 16) adam16(t * ROWS * width + i);
        else for (int r = 0; r < ROWS; r++) for (int c = c0; c < c1; c += 16) adam16(r * COLS + c);
        barrier();
        double t3 = now();
        if (t == 0) { phase_us[0] += t1 - t0; phase_us[1] += t2 - t1; phase_us[2] += t3 - t2; }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *names[] = { "current", "columns", "blocked", "inputs" };
    threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1 || threads > 2) { fprintf(stderr, "threads: 1 or 2\n"); return 2; }
    layout = CURRENT;
    for (int i = 0; argc > 2 && i < 4; i++) if (strcmp(argv[2], names[i]) == 0) layout = (enum layout)i;
    float **buffers[] = { &w, &g, &m, &v };
    for (int i = 0; i < 4; i++) {
        *buffers[i] = aligned_alloc(128, SIZE * sizeof(float));
        for (int j = 0; j < SIZE; j++) (*buffers[i])[j] = i == 0 ? 1.0f : 0.0f;
    }
    pthread_t other;
    double start = now();
    if (threads == 2) pthread_create(&other, NULL, run, (void *)1L);
    run((void *)0L);
    if (threads == 2) pthread_join(other, NULL);
    printf("threads %d, %s: %.2f us a step (thread 0: forward %.2f, backward %.2f, Adam %.2f)\n", threads, names[layout],
        (now() - start) / STEPS * 1e6, phase_us[0] / STEPS * 1e6, phase_us[1] / STEPS * 1e6, phase_us[2] / STEPS * 1e6);
    return 0;
}
