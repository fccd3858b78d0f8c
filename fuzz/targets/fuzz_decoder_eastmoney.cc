// fuzz_decoder_eastmoney.cc — one arbitrary line through Decoder(--format eastmoney).
#include "decoder_common.h"

NEWSFLOW_DECODER_FUZZER("eastmoney")
