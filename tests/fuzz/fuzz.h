/*
 * fuzz.h - the entry point every fuzz target defines (libFuzzer's).
 *
 * Built two ways: with --enable-fuzz (clang -fsanitize=fuzzer) as real
 * fuzzers, and always by make check with driver.c, which feeds the seed
 * corpus through the target under the sanitizers of the build.
 */
#ifndef MCLE_FUZZ_H
#define MCLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
