// fuzz_decoder_cls.cc — one arbitrary line through Decoder(--format cls).
#include "decoder_common.h"

NEWSFLOW_DECODER_FUZZER("cls")
