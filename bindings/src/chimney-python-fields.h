/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_PYTHON_FIELDS_H
#define CHIMNEY_PYTHON_FIELDS_H

#include "ns3/nstime.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <pybind11/pybind11.h>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * One table of fields per bound struct (ScenarioConfig, FaultPlan): the properties, the keyword
 * constructor, repr, to_dict and the docstrings are all generated from it, so a field added to
 * the C++ struct needs one line here and shows up everywhere in Python.
 */

namespace ns3
{
namespace chimneypy
{

namespace py = pybind11;

/**
 * \brief One field of a bound struct: its Python name, type, doc and typed accessors.
 * \tparam S the struct
 */
template <typename S>
struct Field
{
    std::string name;                        //!< the C++ member name, also the Python one
    std::string type;                        //!< Python type shown in the docs
    std::string doc;                         //!< one line, from the C++ header
    std::function<py::object(const S&)> get; //!< C++ -> Python
    std::function<void(S&, py::handle)> set; //!< Python -> C++ (raises on a bad type)
};

/// \brief Raise ValueError "name: message".
[[noreturn]] inline void
FieldError(const std::string& name, const std::string& message)
{
    throw py::value_error(name + ": " + message);
}

/// \brief Raise TypeError "name: expected TYPE, got PYTYPE".
[[noreturn]] inline void
FieldTypeError(const std::string& name, const std::string& expected, py::handle value)
{
    throw py::type_error(name + ": expected " + expected + ", got " +
                         std::string(py::str(py::type::of(value).attr("__name__"))));
}

/// \returns the value as a Python int, rejecting floats, strings and bools
inline long long
ToInteger(const std::string& name, py::handle value, long long lo, long long hi)
{
    if (py::isinstance<py::bool_>(value) || !py::isinstance<py::int_>(value))
    {
        FieldTypeError(name, "int", value);
    }
    long long v = 0;
    try
    {
        v = value.cast<long long>();
    }
    catch (const py::cast_error&)
    {
        FieldError(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    if (v < lo || v > hi)
    {
        FieldError(name,
                   "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                       std::to_string(v));
    }
    return v;
}

/// \returns the value as a finite double (ints accepted)
inline double
ToReal(const std::string& name, py::handle value)
{
    if (py::isinstance<py::bool_>(value) ||
        !(py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)))
    {
        FieldTypeError(name, "float", value);
    }
    const double v = value.cast<double>();
    if (!std::isfinite(v))
    {
        FieldError(name, "must be a finite number");
    }
    return v;
}

/// \brief A uint32_t member.
template <typename S>
Field<S>
UintField(const std::string& name, uint32_t S::*member, const std::string& doc)
{
    return {name,
            "int",
            doc,
            [member](const S& s) { return py::object(py::int_(s.*member)); },
            [member, name](S& s, py::handle v) {
                s.*member = static_cast<uint32_t>(
                    ToInteger(name, v, 0, std::numeric_limits<uint32_t>::max()));
            }};
}

/// \brief A double member (rates, weights).
template <typename S>
Field<S>
RealField(const std::string& name, double S::*member, const std::string& doc)
{
    return {name,
            "float",
            doc,
            [member](const S& s) { return py::object(py::float_(s.*member)); },
            [member, name](S& s, py::handle v) { s.*member = ToReal(name, v); }};
}

/// \brief A bool member.
template <typename S>
Field<S>
BoolField(const std::string& name, bool S::*member, const std::string& doc)
{
    return {name,
            "bool",
            doc,
            [member](const S& s) { return py::object(py::bool_(s.*member)); },
            [member, name](S& s, py::handle v) {
                if (!py::isinstance<py::bool_>(v))
                {
                    FieldTypeError(name, "bool", v);
                }
                s.*member = v.cast<bool>();
            }};
}

/// \brief A std::string member.
template <typename S>
Field<S>
StringField(const std::string& name, std::string S::*member, const std::string& doc)
{
    return {name,
            "str",
            doc,
            [member](const S& s) { return py::object(py::str(s.*member)); },
            [member, name](S& s, py::handle v) {
                if (!py::isinstance<py::str>(v))
                {
                    FieldTypeError(name, "str", v);
                }
                s.*member = v.cast<std::string>();
            }};
}

/// \brief A Time member, seen from Python as float seconds (nanosecond resolution).
template <typename S>
Field<S>
TimeField(const std::string& name, Time S::*member, const std::string& doc)
{
    return {
        name,
        "float seconds",
        doc,
        [member](const S& s) { return py::object(py::float_((s.*member).GetNanoSeconds() / 1e9)); },
        [member, name](S& s, py::handle v) {
            const double seconds = ToReal(name, v);
            if (std::fabs(seconds) > 9.2e9)
            {
                FieldError(name, "out of range");
            }
            s.*member = NanoSeconds(std::llround(seconds * 1e9));
        }};
}

/// \brief A std::vector<std::string> member (a Python list of str).
template <typename S>
Field<S>
StringListField(const std::string& name,
                std::vector<std::string> S::*member,
                const std::string& doc)
{
    return {name,
            "list[str]",
            doc,
            [member](const S& s) { return py::object(py::cast(s.*member)); },
            [member, name](S& s, py::handle v) {
                if (py::isinstance<py::str>(v) || !py::isinstance<py::sequence>(v))
                {
                    FieldTypeError(name, "list of str", v);
                }
                std::vector<std::string> out;
                for (py::handle item : v)
                {
                    if (!py::isinstance<py::str>(item))
                    {
                        FieldTypeError(name + " item", "str", item);
                    }
                    out.push_back(item.cast<std::string>());
                }
                s.*member = out;
            }};
}

/// \brief A std::vector<uint32_t> member (a Python list of int).
template <typename S>
Field<S>
UintListField(const std::string& name, std::vector<uint32_t> S::*member, const std::string& doc)
{
    return {name,
            "list[int]",
            doc,
            [member](const S& s) { return py::object(py::cast(s.*member)); },
            [member, name](S& s, py::handle v) {
                if (py::isinstance<py::str>(v) || !py::isinstance<py::sequence>(v))
                {
                    FieldTypeError(name, "list of int", v);
                }
                std::vector<uint32_t> out;
                for (py::handle item : v)
                {
                    out.push_back(static_cast<uint32_t>(
                        ToInteger(name + " item", item, 0, std::numeric_limits<uint32_t>::max())));
                }
                s.*member = out;
            }};
}

/// \returns a dict {name: value} of every field
template <typename S>
py::dict
FieldsToDict(const std::vector<Field<S>>& fields, const S& s)
{
    py::dict d;
    for (const auto& f : fields)
    {
        d[py::str(f.name)] = f.get(s);
    }
    return d;
}

/// \returns "Name(a=1, b='x', ...)" with every field
template <typename S>
std::string
FieldsRepr(const std::string& className, const std::vector<Field<S>>& fields, const S& s)
{
    std::string out = className + "(";
    for (size_t i = 0; i < fields.size(); ++i)
    {
        out += (i ? ", " : "") + fields[i].name + "=" + std::string(py::repr(fields[i].get(s)));
    }
    return out + ")";
}

/// \brief Set fields from a mapping; unknown keys raise TypeError naming the known ones.
template <typename S>
void
SetFieldsFrom(const std::string& className,
              const std::vector<Field<S>>& fields,
              S& s,
              py::handle mapping)
{
    for (auto item : mapping.cast<py::dict>())
    {
        const std::string key = py::str(item.first);
        bool found = false;
        for (const auto& f : fields)
        {
            if (f.name == key)
            {
                f.set(s, item.second);
                found = true;
                break;
            }
        }
        if (!found)
        {
            std::string known;
            for (const auto& f : fields)
            {
                known += (known.empty() ? "" : ", ") + f.name;
            }
            throw py::type_error(className + ": unknown field '" + key + "' (fields: " + known +
                                 ")");
        }
    }
}

/**
 * \brief Add one typed property per field to a class, with the doc, type and default value
 *        in its docstring.
 */
template <typename S, typename PyClass>
void
AddFieldProperties(PyClass& cls, const std::vector<Field<S>>& fields)
{
    const S defaults{};
    for (const auto& f : fields)
    {
        const std::string doc = f.doc + "\n\n:type: " + f.type +
                                "\n:default: " + std::string(py::repr(f.get(defaults)));
        auto getter = f.get;
        auto setter = f.set;
        cls.def_property(f.name.c_str(),
                         py::cpp_function([getter](const S& s) { return getter(s); }),
                         py::cpp_function([setter](S& s, py::handle v) { setter(s, v); }),
                         doc.c_str());
    }
}

} // namespace chimneypy
} // namespace ns3

#endif // CHIMNEY_PYTHON_FIELDS_H
