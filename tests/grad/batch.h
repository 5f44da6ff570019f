#ifndef LATHE_TESTS_GRAD_BATCH_H
#define LATHE_TESTS_GRAD_BATCH_H

#include <stdint.h>

/* The model tests' batch: three sequences of at most 5 tokens of a
 * 16-token vocabulary (lengths 5, 4, 4; 0 pads), their classes and
 * class weights, and three masked-LM positions (b * 5 + t) with their
 * targets. */
static const int32_t tok[15] = {2, 7, 9, 11, 3, 2, 8, 3, 0, 0, 2, 12, 5, 3, 0};
static const int len[3] = {5, 4, 4};
static const int32_t label[3] = {0, 2, 1};
static const float weight[3] = {1.0f, 2.0f, 0.5f};
static const int32_t mlm_pos[3] = {1, 6, 12};
static const int32_t mlm_target[3] = {7, 8, 5};

#endif
