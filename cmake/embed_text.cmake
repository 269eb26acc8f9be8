# cmake -DIN=file -DOUT=header -DNAME=identifier -P embed_text.cmake: writes the file's text into a
# header as `inline constexpr char NAME[] = R"...(text)...";` (the page of nmt-serve).
file(READ ${IN} text)
string(FIND "${text}" ")nmt_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string's delimiter )nmt_embed\"")
endif()
file(WRITE ${OUT}.tmp "// Generated from ${IN} by cmake/embed_text.cmake; do not edit.\n#pragma once\ninline constexpr char ${NAME}[] = R\"nmt_embed(${text})nmt_embed\";\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
