"""TF-Slim's ``resnet_v1_50`` written directly with ``torch.nn`` modules, for the benchmarks.

The same shapes and arithmetic as ``tf_slim.nets.resnet_v1``'s ``resnet_v1_50``, written
the way a torch user would: the strided 7x7 / 3x3 convolutions' explicit TF padding is the
convolution's own ``padding``, TF's ``SAME`` 3x3/2 max pool is ``ceil_mode`` (the extra pixel
at the bottom / right), batch norm with epsilon 1e-5 and moving-average decay 0.997 (torch
momentum 0.003), the stride in each block's last unit, 1x1 logits with a bias.  NCHW modules
on ``channels_last`` memory, so an NHWC batch goes in as ``x.permute(0, 3, 1, 2)``.
"""
import torch
from torch import nn
import torch.nn.functional as F

EPS, MOMENTUM = 1e-5, 1 - 0.997


def conv_bn(cin, cout, k, stride, padding):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding, bias=False),
                         nn.BatchNorm2d(cout, EPS, MOMENTUM))


class Bottleneck(nn.Module):
    def __init__(self, cin, depth, base, stride):
        super().__init__()
        self.stride = stride
        self.shortcut = None if cin == depth else conv_bn(cin, depth, 1, stride, 0)
        self.conv1 = conv_bn(cin, base, 1, 1, 0)
        self.conv2 = conv_bn(base, base, 3, stride, 1)
        self.conv3 = conv_bn(base, depth, 1, 1, 0)

    def forward(self, x):
        if self.shortcut is not None:
            shortcut = self.shortcut(x)
        else:
            shortcut = x if self.stride == 1 else x[:, :, ::self.stride, ::self.stride]
        r = F.relu(self.conv2(F.relu(self.conv1(x))))
        return F.relu(shortcut + self.conv3(r))


class ResNetV1_50(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = conv_bn(3, 64, 7, 2, 3)
        units, cin = [], 64
        for base, n, stride in ((64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)):
            for i in range(n):
                units.append(Bottleneck(cin, base * 4, base, stride if i == n - 1 else 1))
                cin = base * 4
        self.units = nn.Sequential(*units)
        self.logits = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 3, 2, ceil_mode=True)
        x = self.units(x)
        return self.logits(x.mean((2, 3), keepdim=True))


def resnet_v1_50(num_classes=1000):
    """The model in ``channels_last`` memory format."""
    return ResNetV1_50(num_classes).to(memory_format=torch.channels_last)


def tf_names(model):
    """``{torch state_dict key: TF-Slim variable name}``: the weights of one network in both."""
    bn = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
          "running_var": "moving_variance"}
    units = [("block%d/unit_%d/bottleneck_v1" % (b + 1, u + 1))
             for b, n in enumerate((3, 4, 6, 3)) for u in range(n)]
    names = {}
    for key in model.state_dict():
        parts = key.split(".")
        if parts[0] == "logits":
            names[key] = "logits/" + {"weight": "weights", "bias": "biases"}[parts[1]]
            continue
        if parts[0] == "units":
            scope, parts = units[int(parts[1])] + "/" + parts[2], parts[3:]
        else:
            scope, parts = parts[0], parts[1:]
        if parts[1] == "num_batches_tracked":
            continue
        names[key] = scope + ("/weights" if parts[0] == "0" else "/BatchNorm/" + bn[parts[1]])
    return {k: "resnet_v1_50/" + v for k, v in names.items()}


def load_tf_values(model, values):
    """Copy TF-layout values ``{TF name: tensor}`` (kernels ``[kh, kw, in, out]``) in."""
    state = model.state_dict()
    with torch.no_grad():
        for key, name in tf_names(model).items():
            v = values[name]
            state[key].copy_(v.permute(3, 2, 0, 1) if v.dim() == 4 else v)


def l2_loss(model, scale=0.0001):
    """``resnet_arg_scope``'s weight decay: ``scale * sum(w ** 2) / 2`` over every conv kernel."""
    return scale * sum((m.weight * m.weight).sum() / 2 for m in model.modules()
                       if isinstance(m, nn.Conv2d))
