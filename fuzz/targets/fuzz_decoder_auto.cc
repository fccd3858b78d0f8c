// fuzz_decoder_auto.cc — one arbitrary line through Decoder(--format auto).
#include "decoder_common.h"

NEWSFLOW_DECODER_FUZZER("auto")
