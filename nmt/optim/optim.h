// Every optimizer and the gradient utilities: include this to train.
#pragma once

#include "nmt/optim/adam.h"
#include "nmt/optim/optimizer.h"
#include "nmt/optim/sgd.h"
