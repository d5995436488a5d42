/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_NS3_COMPAT_H
#define CHIMNEY_NS3_COMPAT_H

// One source tree for every supported ns-3 release (3.37 to 3.48): the few API changes between
// them, keyed on ns-3's minor version. CMakeLists.txt defines CHIMNEY_NS3_VERSION_MINOR from the
// ns-3 it builds against (the installed package's version, or the source tree's VERSION file);
// Debian's ns3/version-defines.h is the fallback for code built some other way.

#include "ns3/callback.h"
#include "ns3/enum.h"

#include <string>

#ifndef CHIMNEY_NS3_VERSION_MINOR
#if __has_include("ns3/version-defines.h")
#include "ns3/version-defines.h"
#define CHIMNEY_NS3_VERSION_MINOR NS3_VERSION_MINOR
#else
#error "CHIMNEY_NS3_VERSION_MINOR is not defined: build with the module's CMakeLists.txt"
#endif
#endif

#if CHIMNEY_NS3_VERSION_MINOR < 37
#error "the chimney module needs ns-3 3.37 or newer"
#endif

namespace ns3
{

/**
 * \ingroup chimney
 * The callback type CommandLine::AddValue takes for an option parsed by the program itself:
 * `Callback<bool, std::string>` up to ns-3 3.37, `Callback<bool, const std::string&>` from 3.38.
 * A lambda taking `std::string` converts to either.
 */
#if CHIMNEY_NS3_VERSION_MINOR >= 38
using ChimneyOptionCallback = Callback<bool, const std::string&>;
#else
using ChimneyOptionCallback = Callback<bool, std::string>;
#endif

} // namespace ns3

/**
 * \ingroup chimney
 * MakeEnumAccessor for an attribute of enum type T: ns-3 3.41 made EnumValue a template and
 * MakeEnumAccessor take the enum type, `MakeEnumAccessor<T>(...)`; before, it took none.
 * EnumValue(v) and MakeEnumChecker(v, "name", ...) need nothing: given the enum value itself
 * (not an int), both deduce T from 3.41 on and convert it to int before.
 */
#if CHIMNEY_NS3_VERSION_MINOR >= 41
#define CHIMNEY_MAKE_ENUM_ACCESSOR(T, ...) MakeEnumAccessor<T>(__VA_ARGS__)
/// The EnumChecker class of enum type T (a template from ns-3 3.41 on).
#define CHIMNEY_ENUM_CHECKER(T) EnumChecker<T>
/// The EnumValue class of enum type T (a template from ns-3 3.41 on).
#define CHIMNEY_ENUM_VALUE(T) EnumValue<T>
#else
#define CHIMNEY_MAKE_ENUM_ACCESSOR(T, ...) MakeEnumAccessor(__VA_ARGS__)
#define CHIMNEY_ENUM_CHECKER(T) EnumChecker
#define CHIMNEY_ENUM_VALUE(T) EnumValue
#endif

#endif // CHIMNEY_NS3_COMPAT_H
