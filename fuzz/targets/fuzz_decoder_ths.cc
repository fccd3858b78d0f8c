// fuzz_decoder_ths.cc — one arbitrary line through Decoder(--format ths).
#include "decoder_common.h"

NEWSFLOW_DECODER_FUZZER("ths")
