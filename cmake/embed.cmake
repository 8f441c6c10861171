# Turns a text file into a C++ source holding it as a string (used for the default system.yaml).
file(READ ${IN} content)
set(delim "EMU_EMBED_")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace emu::bellyfed {\nextern const std::string_view default_system_yaml;\nconst std::string_view default_system_yaml = R\"${delim}(${content})${delim}\";\n}\n")
