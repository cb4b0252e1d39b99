namespace MnistNet.Training;

/// <summary>How the gradients of a batch move the weights.</summary>
public enum OptimizerKind
{
    /// <summary>Plain gradient descent: w -= lr · g. With a full batch this is the textbook method.</summary>
    Sgd,

    /// <summary>Gradient descent with momentum 0.9, which smooths the steps and speeds progress in ravines.</summary>
    Momentum,

    /// <summary>Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8): per-weight step sizes from running moments.</summary>
    Adam,

    /// <summary>
    /// Nesterov momentum 0.9: v = μ · v + g; w -= lr · (g + μ · v), which looks one step ahead along the velocity.
    /// </summary>
    Nesterov,

    /// <summary>
    /// Adam with decoupled weight decay: w -= lr · λ · w before the Adam step, instead of adding λ · w to the
    /// gradient, so the decay is not rescaled by Adam's per-weight step sizes.
    /// </summary>
    AdamW,
}
