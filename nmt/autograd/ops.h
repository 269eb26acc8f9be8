// Every op of the engine: include this to write models.
#pragma once

#include "nmt/autograd/ops_activation.h"
#include "nmt/autograd/ops_additive_scores.h"
#include "nmt/autograd/ops_arithmetic.h"
#include "nmt/autograd/ops_cells.h"
#include "nmt/autograd/ops_dropout.h"
#include "nmt/autograd/ops_embedding.h"
#include "nmt/autograd/ops_layer_norm.h"
#include "nmt/autograd/ops_logistic_loss.h"
#include "nmt/autograd/ops_loss.h"
#include "nmt/autograd/ops_matmul.h"
#include "nmt/autograd/ops_reduction.h"
#include "nmt/autograd/ops_shape.h"
#include "nmt/autograd/ops_softmax.h"
#include "nmt/autograd/var.h"
