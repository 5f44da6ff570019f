#include "config.h"
#include "matmul_dnnl.h"

#include "ml/simd.h"

#include <oneapi/dnnl/dnnl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Shapes of a model's products are few (each layer's, for a handful of
 * batch lengths): a small cache of primitives, replaced round-robin. */
#define MM_CACHE 64

struct mm_key {
	enum mm_type t;
	int M, N, K;
	long ars, acs, brs, bcs;
	bool accumulate;
};

/* A primitive and its arguments' memory objects, made once: a call only
 * points them at its data. */
struct mm_entry {
	struct mm_key key;
	dnnl_primitive_t prim;
	dnnl_memory_t mem[3]; /* A, B, C */
	bool used;
};

struct matmul {
	dnnl_engine_t engine;
	dnnl_stream_t stream;
	struct mm_entry cache[MM_CACHE];
	int next;
};

struct matmul *matmul_new(struct err *e)
{
	struct matmul *mm = calloc(1, sizeof *mm);
	if (!mm)
		return err_set(e, "out of memory"), NULL;
	if (dnnl_engine_create(&mm->engine, dnnl_cpu, 0) != dnnl_success) {
		free(mm);
		return err_set(e, "oneDNN: cannot open the CPU engine"), NULL;
	}
	if (dnnl_stream_create(&mm->stream, mm->engine, dnnl_stream_default_flags) != dnnl_success) {
		dnnl_engine_destroy(mm->engine);
		free(mm);
		return err_set(e, "oneDNN: cannot open a stream"), NULL;
	}
	return mm;
}

static void drop_entry(struct mm_entry *en)
{
	if (!en->used)
		return;
	dnnl_primitive_destroy(en->prim);
	for (int i = 0; i < 3; i++)
		if (en->mem[i])
			dnnl_memory_destroy(en->mem[i]);
	memset(en, 0, sizeof *en);
}

void matmul_free(struct matmul *mm)
{
	if (!mm)
		return;
	for (int i = 0; i < MM_CACHE; i++)
		drop_entry(&mm->cache[i]);
	dnnl_stream_destroy(mm->stream);
	dnnl_engine_destroy(mm->engine);
	free(mm);
}

static dnnl_data_type_t dnnl_type(enum mm_type t)
{
	return t == MM_BF16 ? dnnl_bf16 : dnnl_s8;
}

static int make_entry(struct matmul *mm, const struct mm_key *k, struct mm_entry *out, struct err *e)
{
	dnnl_dims_t ad = {k->M, k->K}, bd = {k->K, k->N}, cd = {k->M, k->N};
	dnnl_dims_t as = {k->ars, k->acs}, bs = {k->brs, k->bcs};
	dnnl_memory_desc_t md[3];
	dnnl_matmul_desc_t desc;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t post = NULL;
	dnnl_primitive_desc_t pd = NULL;
	int rc = -1;
	if (dnnl_memory_desc_init_by_strides(&md[0], 2, ad, dnnl_type(k->t), as) ||
	    dnnl_memory_desc_init_by_strides(&md[1], 2, bd, dnnl_type(k->t), bs) ||
	    dnnl_memory_desc_init_by_tag(&md[2], 2, cd, dnnl_f32, dnnl_ab) ||
	    dnnl_matmul_desc_init(&desc, &md[0], &md[1], NULL, &md[2]) || dnnl_primitive_attr_create(&attr)) {
		err_set(e, "oneDNN: cannot describe a %dx%dx%d product", k->M, k->N, k->K);
		goto out;
	}
	if (k->accumulate && (dnnl_post_ops_create(&post) || dnnl_post_ops_append_sum(post, 1.0f) ||
	                      dnnl_primitive_attr_set_post_ops(attr, post))) {
		err_set(e, "oneDNN: cannot accumulate a product");
		goto out;
	}
	dnnl_status_t st = dnnl_primitive_desc_create(&pd, &desc, attr, mm->engine, NULL);
	if (st != dnnl_success) {
		err_set(e, "oneDNN: no %s matrix product on this processor (status %d)",
		        k->t == MM_BF16 ? "bf16" : "int8", (int)st);
		goto out;
	}
	/* oneDNN's reference bf16 product runs anywhere, far slower than
	 * OpenBLAS in fp32: without the units bf16 is not worth it. */
	const char *impl = NULL;
	if (k->t == MM_BF16 && (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success ||
	                        !impl || strncmp(impl, "ref", 3) == 0)) {
		err_set(e, "oneDNN: only its reference bf16 product runs on this processor");
		goto out;
	}
	if (dnnl_primitive_create(&out->prim, pd) != dnnl_success) {
		err_set(e, "oneDNN: cannot make a %dx%dx%d product", k->M, k->N, k->K);
		goto out;
	}
	out->key = *k;
	out->used = true;
	for (int i = 0; i < 3; i++)
		if (dnnl_memory_create(&out->mem[i], &md[i], mm->engine, DNNL_MEMORY_NONE) != dnnl_success) {
			drop_entry(out);
			err_set(e, "oneDNN: out of memory");
			goto out;
		}
	rc = 0;
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (post)
		dnnl_post_ops_destroy(post);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	return rc;
}

static struct mm_entry *find(struct matmul *mm, const struct mm_key *k, struct err *e)
{
	for (int i = 0; i < MM_CACHE; i++)
		if (mm->cache[i].used && memcmp(&mm->cache[i].key, k, sizeof *k) == 0)
			return &mm->cache[i];
	struct mm_entry fresh;
	memset(&fresh, 0, sizeof fresh);
	if (make_entry(mm, k, &fresh, e))
		return NULL;
	struct mm_entry *slot = &mm->cache[mm->next];
	mm->next = (mm->next + 1) % MM_CACHE;
	drop_entry(slot);
	*slot = fresh;
	return slot;
}

int matmul_run(struct matmul *mm, enum mm_type t, int M, int N, int K, struct mm_operand A, struct mm_operand B,
               float *C, bool accumulate, struct err *e)
{
	struct mm_key k;
	memset(&k, 0, sizeof k); /* the key is compared bytewise, padding too */
	k.t = t, k.M = M, k.N = N, k.K = K;
	k.ars = A.row_stride, k.acs = A.col_stride, k.brs = B.row_stride, k.bcs = B.col_stride;
	k.accumulate = accumulate;
	struct mm_entry *en = find(mm, &k, e);
	if (!en)
		return -1;
	/* oneDNN takes non-const handles; the inputs are only read */
	void *data[3] = {(void *)(uintptr_t)A.data, (void *)(uintptr_t)B.data, C};
	static const int arg[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
	dnnl_exec_arg_t args[3];
	for (int i = 0; i < 3; i++) {
		if (dnnl_memory_set_data_handle(en->mem[i], data[i]) != dnnl_success)
			return err_set(e, "oneDNN: cannot point a product at its data");
		args[i] = (dnnl_exec_arg_t){arg[i], en->mem[i]};
	}
	if (dnnl_primitive_execute(en->prim, mm->stream, 3, args) != dnnl_success ||
	    dnnl_stream_wait(mm->stream) != dnnl_success)
		return err_set(e, "oneDNN: a %dx%dx%d product failed", M, N, K);
	return 0;
}

bool matmul_has_bf16(void)
{
	struct err e = {0};
	struct matmul *mm = matmul_new(&e);
	if (!mm)
		return false;
	struct mm_key k;
	memset(&k, 0, sizeof k);
	k.t = MM_BF16, k.M = 16, k.N = 16, k.K = 16, k.ars = 16, k.acs = 1, k.brs = 16, k.bcs = 1;
	struct mm_entry en;
	memset(&en, 0, sizeof en);
	bool ok = make_entry(mm, &k, &en, &e) == 0;
	drop_entry(&en);
	matmul_free(mm);
	return ok;
}

bool matmul_has_int8(void)
{
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
	return (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni ||
	       (isa & dnnl_cpu_isa_avx2_vnni) == dnnl_cpu_isa_avx2_vnni;
}

uint16_t bf16_from_float(float x)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x40); /* a NaN stays one */
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

float bf16_to_float(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float x;
	memcpy(&x, &u, sizeof x);
	return x;
}

/* bf16_from_float, branch-free so that it vectorizes: it runs over every
 * product's operands. (Clones are made of file-local functions only: some
 * compilers give an exported clone no resolver.) */
WIDE_SIMD static void convert_bf16(uint16_t *dst, const float *src, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &src[i], sizeof u);
		uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16, nan = (u >> 16) | 0x40u;
		dst[i] = (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
	}
}

void bf16_convert(uint16_t *dst, const float *src, size_t n)
{
	convert_bf16(dst, src, n);
}

WIDE_SIMD static void add_to(float *sum, const float *x, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		sum[i] += x[i];
}

void bf16_convert_columns(uint16_t *dst, const float *src, size_t rows, size_t cols, size_t first, size_t end,
                          float *col_sum)
{
	for (size_t r = 0; r < rows; r++) {
		size_t at = r * cols + first;
		convert_bf16(dst + at, src + at, end - first);
		if (col_sum)
			add_to(col_sum + first, src + at, end - first);
	}
}

/* Branch-free so that it vectorizes: it runs on every row of every
 * product's input at run time. */
WIDE_SIMD static void quantize_rows(int8_t *q, float *scale, const float *x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++) {
		const float *v = x + r * cols;
		int8_t *out = q + r * cols;
		float mx = 0;
#pragma omp simd reduction(max : mx)
		for (size_t c = 0; c < cols; c++) {
			float a = v[c] < 0 ? -v[c] : v[c];
			mx = a > mx ? a : mx;
		}
		float s = mx > 0 ? mx / 127.0f : 1.0f, inv = 1.0f / s;
#pragma omp simd
		for (size_t c = 0; c < cols; c++) {
			/* |v| <= mx, so |y| <= 127 (and a NaN reading is no number to keep) */
			float y = v[c] * inv;
			y = y > 127.0f ? 127.0f : y < -127.0f ? -127.0f : y;
			out[c] = (int8_t)(int)(y + (y < 0 ? -0.5f : 0.5f));
		}
		scale[r] = s;
	}
}

void int8_quantize_rows(int8_t *q, float *scale, const float *x, size_t rows, size_t cols)
{
	quantize_rows(q, scale, x, rows, cols);
}
