/* stringify.h - a macro's value as a string literal, for messages that are
 * string constants: "at most " STRINGIFY(TITLE_MAX) " bytes" says what
 * TITLE_MAX says, whatever it becomes. */
#pragma once

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
