# Turns a text file into a C++ source holding it as a string_view NS::VAR (the default
# system.yaml, the shipped Lambda runtime bootstraps).
file(READ ${IN} content)
set(delim "EMU_EMBED_")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace ${NS} {\nextern const std::string_view ${VAR};\nconst std::string_view ${VAR} = R\"${delim}(${content})${delim}\";\n}\n")
