// asio.h: the one place lull includes Boost.Asio.
// Boost 1.74's Asio uses std::exchange without including <utility>, which g++ 12
// rejects in C++20 mode; including it first here keeps every user of Asio building.
#pragma once

#include <utility>

#include <boost/asio.hpp>
