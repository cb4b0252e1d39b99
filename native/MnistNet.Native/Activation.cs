namespace MnistNet.Native;

/// <summary>The nonlinearity applied after a hidden layer's affine step.</summary>
public enum Activation
{
    /// <summary>max(0, z): the default; keeps gradients alive in deep stacks.</summary>
    ReLU,

    /// <summary>1 / (1 + e^-z): saturates, which is why sigmoid networks stall near loss 2.30 on MNIST.</summary>
    Sigmoid,

    /// <summary>tanh(z): zero-centred, but saturates like sigmoid.</summary>
    Tanh,
}
