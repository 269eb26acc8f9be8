// Elementwise arithmetic with numpy broadcasting, and scalar forms.
#pragma once

#include "nmt/autograd/var.h"

namespace nmt {

Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);

Var add_scalar(const Var& a, float s);
Var mul_scalar(const Var& a, float s);  // also serves for division by a constant
Var neg(const Var& a);

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator+(const Var& a, float s) { return add_scalar(a, s); }
inline Var operator-(const Var& a, float s) { return add_scalar(a, -s); }
inline Var operator*(const Var& a, float s) { return mul_scalar(a, s); }
inline Var operator*(float s, const Var& a) { return mul_scalar(a, s); }
inline Var operator/(const Var& a, float s) { return mul_scalar(a, 1.0f / s); }
inline Var operator-(const Var& a) { return neg(a); }

}  // namespace nmt
