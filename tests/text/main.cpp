// The text pipeline's tests: tokenizer/ (UTF-8, normalisation, subwords) and corpora/ (reading,
// filtering, batching). One doctest executable; this file only provides its main().
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
