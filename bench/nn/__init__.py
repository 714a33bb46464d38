"""Shared network blocks, losses and training utilities; every method imports these instead of rewriting them."""

from bench.nn.init import init_weights
from bench.nn.losses import GANLoss, gradient_penalty, r1_penalty, set_requires_grad
from bench.nn.norms import conv_bias, norm_layer
from bench.nn.patchgan import NLayerDiscriminator, patchgan_layers
from bench.nn.pool import ImagePool
from bench.nn.resnet import ResnetBlock, ResnetGenerator, resnet_blocks
from bench.nn.schedules import constant, linear_decay, multistep, on_budget, step_decay
from bench.nn.unet import UnetGenerator, unet_channels, unet_depth

__all__ = ["GANLoss", "ImagePool", "NLayerDiscriminator", "ResnetBlock", "ResnetGenerator", "UnetGenerator",
           "constant", "conv_bias", "gradient_penalty", "init_weights", "linear_decay", "multistep", "norm_layer",
           "on_budget", "patchgan_layers", "r1_penalty", "resnet_blocks", "set_requires_grad", "step_decay",
           "unet_channels", "unet_depth"]
