#!/usr/bin/python3
"""Writes the one-operator ONNX models that bench/ort/run.mjs times ONNX Runtime on.

Run with Debian's python3-onnx (1.12; opset 17, IR version 8, which ONNX Runtime 1.30 loads):

    /usr/bin/python3 bench/ort/gen_models.py

Each model has a float32 input "input" of shape [N, V] with both dimensions symbolic, so one model
serves every size, and one output "output". The operators are defined in the ONNX operator
specification (https://onnx.ai/onnx/operators/), opset 17; what each maps to in xentropy:

  log_softmax.onnx   LogSoftmax(axis=-1)                        logSoftmax(x, { classes: V })
  softmax.onnx       Softmax(axis=-1)                           softmax(x, { classes: V })
  logsumexp.onnx     ReduceLogSumExp(axes=[-1], keepdims=0)      logSumExp(x, { classes: V })  (output [N])
  sce.onnx           SoftmaxCrossEntropyLoss(reduction="mean"),  softmaxCrossEntropy(x, targets, { classes: V })
                     "labels" int64 [N]                          (reduction 'mean', the default; a scalar)
  nll.onnx           NegativeLogLikelihoodLoss(reduction="mean") nllLoss(logProbs, targets, { classes: V })
                     over log-probabilities, "labels" int64 [N]   (the input is log-probabilities, as ours)
  token_logprobs.onnx LogSoftmax(axis=-1), then GatherElements(  tokenLogProbs(x, targets, { classes: V })
                     axis=1) with "indices" int64 [N, 1]          (output [N, 1]: what a transformers.js
                                                                  user's exported graph computes)

No ignore_index is set on the two losses: every label is a class (ours default to −100, which no
label in the benchmark is). The .onnx files are committed beside this script (a few hundred bytes each).
"""

import os

import onnx
from onnx import TensorProto, helper

OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")


def logits_input(name="input"):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", "V"])


def write(filename, nodes, inputs, outputs):
    graph = helper.make_graph(nodes, filename.removesuffix(".onnx"), inputs, outputs)
    model = helper.make_model(
        graph,
        producer_name="xentropy bench/ort/gen_models.py",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(MODELS, filename))


def main():
    os.makedirs(MODELS, exist_ok=True)
    f32 = TensorProto.FLOAT
    i64 = TensorProto.INT64
    write(
        "log_softmax.onnx",
        [helper.make_node("LogSoftmax", ["input"], ["output"], axis=-1)],
        [logits_input()],
        [helper.make_tensor_value_info("output", f32, ["N", "V"])],
    )
    write(
        "softmax.onnx",
        [helper.make_node("Softmax", ["input"], ["output"], axis=-1)],
        [logits_input()],
        [helper.make_tensor_value_info("output", f32, ["N", "V"])],
    )
    write(
        "logsumexp.onnx",
        # opset 17: axes is still an attribute (an input from opset 18)
        [helper.make_node("ReduceLogSumExp", ["input"], ["output"], axes=[-1], keepdims=0)],
        [logits_input()],
        [helper.make_tensor_value_info("output", f32, ["N"])],
    )
    write(
        "sce.onnx",
        [helper.make_node("SoftmaxCrossEntropyLoss", ["input", "labels"], ["output"], reduction="mean")],
        [logits_input(), helper.make_tensor_value_info("labels", i64, ["N"])],
        [helper.make_tensor_value_info("output", f32, [])],
    )
    write(
        "nll.onnx",
        [helper.make_node("NegativeLogLikelihoodLoss", ["input", "labels"], ["output"], reduction="mean")],
        [logits_input(), helper.make_tensor_value_info("labels", i64, ["N"])],
        [helper.make_tensor_value_info("output", f32, [])],
    )
    write(
        "token_logprobs.onnx",
        [
            helper.make_node("LogSoftmax", ["input"], ["log_probs"], axis=-1),
            helper.make_node("GatherElements", ["log_probs", "indices"], ["output"], axis=1),
        ],
        [logits_input(), helper.make_tensor_value_info("indices", i64, ["N", 1])],
        [helper.make_tensor_value_info("output", f32, ["N", 1])],
    )


if __name__ == "__main__":
    main()
